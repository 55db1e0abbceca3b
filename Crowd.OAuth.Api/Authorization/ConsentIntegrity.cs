using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Crowd.OAuth.Core.Authorization;
using Crowd.OAuth.Core.Protocol;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Crowd.OAuth.Api.Authorization;

/// <summary>
/// Binds a consent decision to the request the user saw and to the user (RFC 6749 §10.12, RFC 9700
/// §4.4): the consent form carries, beside its hidden fields, a Data Protection–sealed SHA-256 of those
/// fields and the user's id, with an expiry. Any node reads it (keys are shared in the database).
/// </summary>
public sealed class ConsentIntegrity(IDataProtectionProvider provider, TimeProvider time)
{
    public const string FieldName = "consent_integrity";

    /// <summary>How long a consent page may stay open before its decision is refused.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly IDataProtector _protector = provider.CreateProtector("Crowd.OAuth.Consent.v1");

    public string Seal(AuthorizationRequest request, Guid userId)
    {
        var payload = new byte[40];
        Digest(request, userId).CopyTo(payload, 0);
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(32), (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds());
        return WebEncoders.Base64UrlEncode(_protector.Protect(payload));
    }

    /// <summary>True when <paramref name="sealedValue"/> was made for exactly this request and user, and has not expired.</summary>
    public bool Verify(string? sealedValue, AuthorizationRequest request, Guid userId)
    {
        if (string.IsNullOrEmpty(sealedValue)) return false;
        byte[] payload;
        try
        {
            payload = _protector.Unprotect(WebEncoders.Base64UrlDecode(sealedValue));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return false;
        }
        if (payload.Length != 40) return false;
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(32)));
        return time.GetUtcNow() < expires && CryptographicOperations.FixedTimeEquals(payload.AsSpan(0, 32), Digest(request, userId));
    }

    /// <summary>SHA-256 over the user id and each parameter, length-prefixed so no two requests collide.</summary>
    private static byte[] Digest(AuthorizationRequest request, Guid userId)
    {
        var text = new StringBuilder();
        void Add(string? value) => text.Append(value is null ? "-1" : value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
        Add(userId.ToString("N"));
        Add(request.ClientId);
        Add(request.RedirectUri);
        Add(request.ResponseType);
        Add(request.Scope);
        Add(request.State);
        Add(request.CodeChallenge);
        Add(request.CodeChallengeMethod);
        return Secrets.Digest(text.ToString());
    }
}
