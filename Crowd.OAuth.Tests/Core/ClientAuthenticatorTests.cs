using System.Diagnostics;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Core;

/// <summary>Client authentication (Spec §4) against an in-memory client store: what an unknown client costs.</summary>
public sealed class ClientAuthenticatorTests
{
    private sealed class OneClient(Client client) : IClientStore
    {
        public Task<Client?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken) =>
            Task.FromResult(clientId == client.ClientId ? client : null);
        public Task<Client?> FindByIdAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<Client>> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ClientWriteResult> CreateAsync(Client client, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ClientWriteResult> UpdateAsync(Client client, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<Client?> DeleteAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> SetSecretHashAsync(string clientId, byte[] secretHash, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    [Test]
    [Requirement("SPEC-4-constant-time")]
    public async Task Authenticate_UnknownClientAndWrongSecret_BothInvalidClientAtTheSameCost()
    {
        var secret = Secrets.RandomHex(32);
        var client = new Client(Guid.NewGuid(), Secrets.RandomHex(16), "App", ClientTypes.Confidential, Secrets.Digest(secret),
            ["https://app.example.test/cb"], Scopes.User, false, "test", DateTimeOffset.UnixEpoch);
        var authenticator = new ClientAuthenticator(new OneClient(client));
        // Long enough that digesting the presented secret dominates either path: skipping it for an unknown client would show.
        var presented = new string('x', 16384);
        var wrong = new ClientCredentials(client.ClientId, presented, ViaBasic: false);
        var unknown = new ClientCredentials(Secrets.RandomHex(16), presented, ViaBasic: false);

        Assert.That((await authenticator.AuthenticateAsync(wrong, CancellationToken.None)).Error?.Code, Is.EqualTo(Errors.InvalidClient));
        Assert.That((await authenticator.AuthenticateAsync(unknown, CancellationToken.None)).Error?.Code, Is.EqualTo(Errors.InvalidClient));

        async Task<double> MicrosecondsAsync(ClientCredentials credentials)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 50; i++) await authenticator.AuthenticateAsync(credentials, CancellationToken.None);
            return clock.Elapsed.TotalMicroseconds;
        }
        var wrongTimes = new List<double>();
        var unknownTimes = new List<double>();
        for (var round = 0; round < 60; round++)
        {
            wrongTimes.Add(await MicrosecondsAsync(wrong));
            unknownTimes.Add(await MicrosecondsAsync(unknown));
        }
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

        Assert.That(Median(unknownTimes) / Median(wrongTimes), Is.InRange(0.5, 2.0), "an unknown client costs what a wrong secret costs");
    }
}
