using System.Security.Cryptography;
using System.Text;

namespace Crowd.OAuth.Core.Protocol;

/// <summary>Random values and the digests we store instead of them.</summary>
public static class Secrets
{
    /// <summary>Lowercase hex of <paramref name="bytes"/> random bytes.</summary>
    public static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>URL-safe base64 of <paramref name="bytes"/> random bytes (authorization codes).</summary>
    public static string RandomUrlSafe(int bytes) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>SHA-256 of the UTF-8 text: what the database holds for codes, token ids and client secrets.</summary>
    public static byte[] Digest(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    /// <summary>Compares a presented value with a stored digest in constant time.</summary>
    public static bool MatchesDigest(string presented, ReadOnlySpan<byte> storedDigest) =>
        CryptographicOperations.FixedTimeEquals(Digest(presented), storedDigest);
}
