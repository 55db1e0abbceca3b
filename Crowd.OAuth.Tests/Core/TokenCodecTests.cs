using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Tokens;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace Crowd.OAuth.Tests.Core;

public sealed class TokenCodecTests
{
    private static readonly byte[] Secret = RandomNumberGenerator.GetBytes(32);
    private const string Kid = "k1";

    private static TokenCodec Codec(params SigningKeyOptions[] keys)
    {
        var options = new OAuth2ProviderOptions
        {
            BaseUrl = "https://crowd.example.test",
            SigningKeys = keys.Length > 0 ? keys.ToList() : [new SigningKeyOptions { Kid = Kid, Secret = Convert.ToBase64String(Secret) }],
        };
        var ring = new SigningKeyRing(new NoStore(), options, TimeProvider.System, NullLogger<SigningKeyRing>.Instance);
        return new TokenCodec(ring);
    }

    private static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private static string Sign(string header, string payload, byte[] key, HashAlgorithmName? alg = null)
    {
        var input = $"{B64(header)}.{B64(payload)}";
        var mac = alg == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(key, Encoding.ASCII.GetBytes(input)) : HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(input));
        return $"{input}.{Base64UrlEncoder.Encode(mac)}";
    }

    [Test]
    [Requirement("SPEC-1-token-format", "SPEC-1-token-kid", "RFC6749-10.10-entropy")]
    public async Task Issue_Token_IsHs256WithKidAndOnlyAnIdPayload()
    {
        var (id, token) = await Codec().IssueAsync(CancellationToken.None);

        var parts = token.Split('.');
        using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[0]));
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[1]));
        Assert.That(header.RootElement.GetProperty("alg").GetString(), Is.EqualTo("HS256"));
        Assert.That(header.RootElement.GetProperty("kid").GetString(), Is.EqualTo(Kid));
        Assert.That(payload.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "id" }));
        Assert.That(payload.RootElement.GetProperty("id").GetString(), Is.EqualTo(id).And.Match("^[0-9a-f]{32}$"));
        Assert.That(await Codec().ReadIdAsync(token, CancellationToken.None), Is.EqualTo(id));
    }

    [Test]
    public async Task Issue_TwoTokens_HaveDifferentIds()
    {
        var a = await Codec().IssueAsync(CancellationToken.None);
        var b = await Codec().IssueAsync(CancellationToken.None);
        Assert.That(a.Id, Is.Not.EqualTo(b.Id));
    }

    private static IEnumerable<TestCaseData> Forgeries()
    {
        const string id = "0123456789abcdef0123456789abcdef";
        var payload = $"{{\"id\":\"{id}\"}}";
        yield return new TestCaseData($"{B64("{\"alg\":\"none\",\"kid\":\"k1\"}")}.{B64(payload)}.").SetName("ReadId_AlgNone_IsNull");
        yield return new TestCaseData(Sign("{\"alg\":\"HS512\",\"kid\":\"k1\"}", payload, Secret, HashAlgorithmName.SHA512)).SetName("ReadId_Hs512SameKey_IsNull");
        yield return new TestCaseData($"{B64("{\"alg\":\"RS256\",\"kid\":\"k1\"}")}.{B64(payload)}.{B64("sig")}").SetName("ReadId_Rs256_IsNull");
        yield return new TestCaseData(Sign("{\"alg\":\"HS256\",\"kid\":\"k1\"}", payload, RandomNumberGenerator.GetBytes(32))).SetName("ReadId_OtherKey_IsNull");
        yield return new TestCaseData(Sign("{\"alg\":\"HS256\",\"kid\":\"nope\"}", payload, Secret)).SetName("ReadId_UnknownKid_IsNull");
        yield return new TestCaseData(Sign("{\"alg\":\"HS256\",\"kid\":\"../../etc/passwd'; DROP TABLE users;--\"}", payload, Secret)).SetName("ReadId_HostileKid_IsNull");
        yield return new TestCaseData(Sign("{\"alg\":\"HS256\"}", payload, Secret)).SetName("ReadId_NoKid_IsNull");
        yield return new TestCaseData(Sign("{\"alg\":\"HS256\",\"kid\":\"k1\"}", "{\"id\":\"0123\"}", Secret)).SetName("ReadId_ShortId_IsNull");
        yield return new TestCaseData(Sign("{\"alg\":\"HS256\",\"kid\":\"k1\"}", $"{{\"id\":\"{id}\",\"admin\":true}}", Secret)).SetName("ReadId_ExtraClaim_IsNull");
        yield return new TestCaseData(Sign("{\"alg\":\"HS256\",\"kid\":\"k1\"}", "[1,2]", Secret)).SetName("ReadId_PayloadNotObject_IsNull");
        yield return new TestCaseData("not-a-token").SetName("ReadId_Garbage_IsNull");
        yield return new TestCaseData("a.b.c").SetName("ReadId_ThreeJunkParts_IsNull");
        yield return new TestCaseData("").SetName("ReadId_Empty_IsNull");
        yield return new TestCaseData(new string('a', 5000)).SetName("ReadId_Huge_IsNull");
    }

    [TestCaseSource(nameof(Forgeries))]
    [Requirement("RFC8725-3.1-alg-allowlist", "SPEC-5-token-valid", "RFC6749-10.3-access-unforgeable")]
    public async Task ReadId_Forgery_IsRefused(string token) =>
        Assert.That(await Codec().ReadIdAsync(token, CancellationToken.None), Is.Null);

    [Test]
    [Requirement("RFC6749-10.3-access-unforgeable", "SPEC-5-token-valid")]
    public async Task ReadId_SignatureChanged_IsNull()
    {
        var (_, token) = await Codec().IssueAsync(CancellationToken.None);
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        Assert.That(await Codec().ReadIdAsync(tampered, CancellationToken.None), Is.Null);
    }

    [Test]
    [Requirement("SPEC-1-token-kid", "SPEC-8-signing-keys")]
    public async Task ReadId_TokenOfASecondListedKey_IsAccepted()
    {
        var first = new SigningKeyOptions { Kid = "new", Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        var old = new SigningKeyOptions { Kid = Kid, Secret = Convert.ToBase64String(Secret) };
        var (id, oldToken) = await Codec(old).IssueAsync(CancellationToken.None);

        var codec = Codec(first, old);

        Assert.That(await codec.ReadIdAsync(oldToken, CancellationToken.None), Is.EqualTo(id));
        var (_, fresh) = await codec.IssueAsync(CancellationToken.None);
        Assert.That(JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(fresh.Split('.')[0])).RootElement.GetProperty("kid").GetString(), Is.EqualTo("new"));
    }

    [TestCase(16, false)]
    [TestCase(31, false)]
    [TestCase(32, true)]
    [TestCase(64, true)]
    [Requirement("RFC7518-3.2-hs256-key-size", "SPEC-8-signing-keys")]
    public void TryDecodeSecret_KeyOfSomeBytes_AcceptedOnlyFrom256Bits(int bytes, bool accepted) =>
        Assert.That(SigningKey.TryDecodeSecret(Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)), out _), Is.EqualTo(accepted));

    private sealed class NoStore : ISigningKeyStore
    {
        public Task<IReadOnlyList<SigningKey>> GetUsableAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("configured keys only");
        public Task AddAsync(SigningKey key, bool activate, CancellationToken cancellationToken) => throw new InvalidOperationException();
        public Task<bool> ActivateAsync(string kid, DateTimeOffset now, CancellationToken cancellationToken) => throw new InvalidOperationException();
        public Task<bool> RetireAsync(string kid, DateTimeOffset now, CancellationToken cancellationToken) => throw new InvalidOperationException();
        public Task EnsureOneActiveAsync(Func<SigningKey> create, CancellationToken cancellationToken) => throw new InvalidOperationException();
    }
}
