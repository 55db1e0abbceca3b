using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crowd.OAuth.MicroBench;

/// <summary>
/// The per-request work of Core that does not touch the database: PKCE S256 at code exchange,
/// token issue and validation (configured keys, as a production node would have them), and the
/// client secret check at every token request.
/// </summary>
[MemoryDiagnoser]
public class HotPaths
{
    private TokenCodec _codec = null!;
    private string _token = null!;
    private string _forgedSignature = null!;
    private string _unknownKid = null!;
    private string _verifier = null!;
    private string _challenge = null!;
    private string _secret = null!;
    private byte[] _secretDigest = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var options = new OAuth2ProviderOptions
        {
            BaseUrl = "https://crowd.example",
            SigningKeys =
            [
                new SigningKeyOptions { Kid = "bench-1", Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
                new SigningKeyOptions { Kid = "bench-0", Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
            ],
        };
        var ring = new SigningKeyRing(new NoStore(), options, TimeProvider.System, NullLogger<SigningKeyRing>.Instance);
        _codec = new TokenCodec(ring);
        (_, _token) = await _codec.IssueAsync(CancellationToken.None);
        var parts = _token.Split('.');
        _forgedSignature = $"{parts[0]}.{parts[1]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32))}";
        var header = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"alg":"HS256","kid":"k0123456789abcdef","typ":"JWT"}""");
        _unknownKid = $"{header}.{parts[1]}.{parts[2]}";
        _verifier = Secrets.RandomUrlSafe(32);
        _challenge = Pkce.S256Challenge(_verifier);
        _secret = Secrets.RandomHex(32);
        _secretDigest = Secrets.Digest(_secret);
    }

    [Benchmark(Description = "Pkce.Matches (S256)")]
    public bool PkceS256() => Pkce.Matches(_verifier, _challenge, CodeChallengeMethods.S256);

    [Benchmark(Description = "TokenCodec.IssueAsync")]
    public async Task<string> Issue() => (await _codec.IssueAsync(CancellationToken.None)).Token;

    [Benchmark(Description = "TokenCodec.ReadIdAsync (valid)")]
    public async Task<string?> ReadValid() => await _codec.ReadIdAsync(_token, CancellationToken.None);

    [Benchmark(Description = "TokenCodec.ReadIdAsync (wrong signature)")]
    public async Task<string?> ReadForged() => await _codec.ReadIdAsync(_forgedSignature, CancellationToken.None);

    [Benchmark(Description = "TokenCodec.ReadIdAsync (unknown kid)")]
    public async Task<string?> ReadUnknownKid() => await _codec.ReadIdAsync(_unknownKid, CancellationToken.None);

    [Benchmark(Description = "Secrets.MatchesDigest (client secret)")]
    public bool ClientSecret() => Secrets.MatchesDigest(_secret, _secretDigest);

    private sealed class NoStore : ISigningKeyStore
    {
        public Task<IReadOnlyList<SigningKey>> GetUsableAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task AddAsync(SigningKey key, bool activate, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> ActivateAsync(string kid, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> RetireAsync(string kid, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task EnsureOneActiveAsync(Func<SigningKey> create, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
