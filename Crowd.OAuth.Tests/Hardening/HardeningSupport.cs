using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Crowd.OAuth.Tests.Hardening;

/// <summary>
/// A database of the test's own (a LocalCluster, or the shared test database) with the real stores
/// and the real code issuer on it, and OAuthTestClients over HTTP to a ServerProcess.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    public ClusterHarness(string connectionString)
    {
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        var services = new ServiceCollection();
        services.AddSingleton(DataSource);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new OAuth2ProviderOptions { BaseUrl = "https://crowd.example.test", MaxClientDelaySeconds = 600 });
        services.AddSingleton<IAuthorizationCodeStore, AuthorizationCodeStore>();
        services.AddSingleton<AuthorizationCodeIssuer>();
        Services = services.BuildServiceProvider();
    }

    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }
    public ServiceProvider Services { get; }

    /// <summary>A protocol client over HTTP to <paramref name="server"/> whose codes this harness issues.</summary>
    public OAuthTestClient ClientFor(ServerProcess server, TimeSpan? timeout = null)
    {
        var http = server.CreateClient();
        http.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        return new OAuthTestClient(http, Services);
    }

    public Task<SeededUser> UserAsync(bool admin = true) => Seed.UserAsync(admin: admin, db: DataSource);

    public Task<SeededClient> ClientAsync(bool isPublic = false) => Seed.ClientAsync(isPublic: isPublic, db: DataSource);

    /// <summary>Rows in the tables a request could write to.</summary>
    public async Task<Dictionary<string, long>> CountRowsAsync()
    {
        var counts = new Dictionary<string, long>();
        await using var connection = await DataSource.OpenConnectionAsync();
        foreach (var table in new[] { "grants", "token_pairs", "authorization_codes", "audit_events", "clients", "users" })
        {
            counts[table] = await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}");
        }
        return counts;
    }

    /// <summary>How many of the access tokens have a row (by the SHA-256 of their id, as the server stores them).</summary>
    public async Task<int> CountStoredAccessTokensAsync(IReadOnlyCollection<string> accessTokens)
    {
        var hashes = accessTokens.Select(t => Secrets.Digest(TokenId(t))).ToArray();
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM token_pairs WHERE access_hash = ANY(@hashes)", new { hashes });
    }

    /// <summary>The id in a Crowd token's payload ({"id":"…"}).</summary>
    public static string TokenId(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.GetProperty("id").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

/// <summary>Small helpers of the hardening tests.</summary>
public static class Hardening
{
    /// <summary>A server process on <paramref name="connectionString"/>, live, with extra settings.</summary>
    public static async Task<ServerProcess> StartServerAsync(string connectionString, IDictionary<string, string?>? extra = null)
    {
        var env = ServerProcess.DefaultEnvironment(connectionString);
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) env[k] = v;
        var server = ServerProcess.Start(env);
        try
        {
            await server.WaitUntilLiveAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Polls until <paramref name="condition"/> holds or <paramref name="within"/> passes; returns the time it took, or null.</summary>
    public static async Task<TimeSpan?> EventuallyAsync(Func<Task<bool>> condition, TimeSpan within, TimeSpan? every = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < within)
        {
            try
            {
                if (await condition()) return watch.Elapsed;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
        return null;
    }

    public static async Task<HttpStatusCode> MyselfAsync(OAuthTestClient api, string accessToken) =>
        (await api.GetWithBearerAsync("/rest/api/1.0/myself", accessToken)).StatusCode;

    public static string Describe(IEnumerable<string> items) => string.Join(", ", items.GroupBy(i => i).Select(g => $"{g.Key} x{g.Count()}"));

    public static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
}
