using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Crowd.OAuth.Core.Tokens;

/// <summary>
/// Crowd's token format (spec §1): a compact HS256 JWS whose payload is only {"id":"&lt;32 lowercase hex&gt;"},
/// with a <c>kid</c> header. The id is random (128 bits); the database holds SHA-256 of it.
/// </summary>
public sealed class TokenCodec(SigningKeyRing keys)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    // One SymmetricSecurityKey (with its signing credentials and validation parameters) per SigningKey
    // instance. A new SymmetricSecurityKey per call made the library's CryptoProviderFactory miss its
    // cache and build a new HMAC signature provider for every token issued or read (bench/README.md).
    // Keyed by instance and weakly held: a key ring reload brings new instances and the old ones go.
    private static readonly ConditionalWeakTable<SigningKey, KeyMaterial> Material = new();

    private sealed class KeyMaterial
    {
        public KeyMaterial(SigningKey key)
        {
            var securityKey = new SymmetricSecurityKey(key.Secret) { KeyId = key.Kid };
            Credentials = new SigningCredentials(securityKey, SecurityAlgorithms.HmacSha256);
            Validation = new TokenValidationParameters
            {
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                IssuerSigningKey = securityKey,
                TryAllIssuerSigningKeys = false,
                RequireSignedTokens = true,
                RequireExpirationTime = false,
                ValidateLifetime = false,
                ValidateIssuer = false,
                ValidateAudience = false,
            };
        }

        public SigningCredentials Credentials { get; }
        public TokenValidationParameters Validation { get; }
    }

    private static KeyMaterial For(SigningKey key) => Material.GetValue(key, static k => new KeyMaterial(k));

    /// <summary>A new token: its random id (what gets hashed and stored) and its compact form (what the client gets).</summary>
    public async ValueTask<(string Id, string Token)> IssueAsync(CancellationToken cancellationToken)
    {
        var key = await keys.GetActiveAsync(cancellationToken);
        // RFC 6749 §10.10 and §10.3: 128 random bits from a cryptographic generator
        var id = Protocol.Secrets.RandomHex(16);
        var token = Handler.CreateToken($"{{\"id\":\"{id}\"}}", For(key).Credentials);
        return (id, token);
    }

    /// <summary>
    /// The token's id when its signature verifies with a known key under HS256 and its payload is Crowd's;
    /// null for anything else (alg none, HS512, RS256, unknown or hostile kid, changed signature).
    /// Never touches the database.
    /// </summary>
    public async ValueTask<string?> ReadIdAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 1024) return null;
        // Cheap structural refusals before any cryptography: three base64url parts.
        if (token.Count(c => c == '.') != 2) return null;

        JsonWebToken parsed;
        try
        {
            parsed = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return null;
        }
        // RFC 8725 §3.1: accept exactly the algorithm we issue
        if (parsed.Alg != SecurityAlgorithms.HmacSha256 || string.IsNullOrEmpty(parsed.Kid)) return null;
        var key = await keys.FindAsync(parsed.Kid, cancellationToken);
        if (key is null) return null;

        var result = await Handler.ValidateTokenAsync(parsed, For(key).Validation);
        if (!result.IsValid) return null;

        return ReadCrowdPayload(parsed.EncodedPayload);
    }

    private static string? ReadCrowdPayload(string encodedPayload)
    {
        try
        {
            using var doc = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encodedPayload));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            string? id = null;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name != "id" || property.Value.ValueKind != JsonValueKind.String || id is not null) return null;
                id = property.Value.GetString();
            }
            return id is { Length: 32 } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f') ? id : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
