using Microsoft.IdentityModel.Tokens;

namespace Crowd.OAuth.Core.Tokens;

/// <summary>An HS256 key (RFC 7518 §3.2: at least 256 bits). <see cref="Active"/> signs; every unretired key verifies.</summary>
public sealed record SigningKey(string Kid, byte[] Secret, bool Active, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt = null)
{
    public const int MinimumSecretBytes = 32;

    public static bool TryDecodeSecret(string? text, out byte[] secret)
    {
        secret = [];
        if (string.IsNullOrWhiteSpace(text)) return false;
        try
        {
            secret = text.Contains('-') || text.Contains('_') || !text.EndsWith('=') && text.Length % 4 != 0
                ? Base64UrlEncoder.DecodeBytes(text)
                : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return false;
        }
        // RFC 7518 §3.2: an HS256 key has at least 256 bits
        return secret.Length >= MinimumSecretBytes;
    }

    // Spec §9: a key that reaches a log never shows its secret
    public override string ToString() => $"SigningKey {{ Kid = {Kid}, Active = {Active} }}"; // never the secret
}

/// <summary>Where the shared signing keys live (the database), for nodes that are not given keys by configuration.</summary>
public interface ISigningKeyStore
{
    /// <summary>Every key not retired, the active one among them.</summary>
    Task<IReadOnlyList<SigningKey>> GetUsableAsync(CancellationToken cancellationToken);

    /// <summary>Adds a key; when <paramref name="activate"/>, it becomes the only active key.</summary>
    Task AddAsync(SigningKey key, bool activate, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="kid"/> the only active key. False when no such unretired key.</summary>
    Task<bool> ActivateAsync(string kid, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Retires <paramref name="kid"/>: tokens it signed stop verifying. Refuses the active key.</summary>
    Task<bool> RetireAsync(string kid, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Creates the first key unless one exists (safe when several nodes race).</summary>
    Task EnsureOneActiveAsync(Func<SigningKey> create, CancellationToken cancellationToken);
}
