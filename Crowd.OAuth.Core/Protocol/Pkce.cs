using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Crowd.OAuth.Core.Protocol;

/// <summary>Proof Key for Code Exchange (RFC 7636).</summary>
public static class Pkce
{
    /// <summary>
    /// RFC 7636 §4.1, §4.2: verifier and challenge are 43 to 128 characters of
    /// [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
    /// </summary>
    public static bool IsWellFormed(string? value)
    {
        if (value is null || value.Length is < 43 or > 128) return false;
        foreach (var c in value)
        {
            var ok = c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_' or '~';
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>
    /// The method as stored: S256 (accepted in any letter case, as Crowd does) or plain; null when unknown.
    /// </summary>
    public static string? NormalizeMethod(string? method) => method switch
    {
        null => CodeChallengeMethods.Plain, // RFC 7636 §4.3: absent means plain
        _ when string.Equals(method, CodeChallengeMethods.S256, StringComparison.OrdinalIgnoreCase) => CodeChallengeMethods.S256,
        CodeChallengeMethods.Plain => CodeChallengeMethods.Plain,
        _ => null,
    };

    /// <summary>RFC 7636 §4.2: S256 challenge = BASE64URL(SHA256(ASCII(code_verifier))).</summary>
    public static string S256Challenge(string verifier)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(verifier), digest);
        return Base64UrlEncoder.Encode(digest.ToArray());
    }

    /// <summary>RFC 7636 §4.6: the verifier, transformed by the method, must equal the stored challenge (constant time).</summary>
    public static bool Matches(string verifier, string challenge, string method)
    {
        var computed = method == CodeChallengeMethods.S256 ? S256Challenge(verifier) : verifier;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(challenge));
    }
}
