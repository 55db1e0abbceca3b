using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;
using Dapper;

namespace Crowd.OAuth.Tests.DirectoryAdmin;

/// <summary>Calls to the client administration API (spec §7) as a freshly seeded administrator, and reads of what it stored.</summary>
internal static class AdminApi
{
    public const string Clients = "/rest/oauth2/latest/client";

    public static AuthenticationHeaderValue Basic(string username, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));

    /// <summary>An HTTP client authenticated as a new administrator, and that administrator.</summary>
    public static async Task<(HttpClient Http, SeededUser Admin)> AsNewAdminAsync(CrowdOAuthFactory factory)
    {
        var admin = await Seed.UserAsync(admin: true);
        var http = factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = Basic(admin.Username, admin.Password);
        return (http, admin);
    }

    public static object NewClientBody(string? name = null, string[]? redirects = null, string? scope = null, string? clientType = null) => new
    {
        name = name ?? Seed.Unique("app"),
        redirects = redirects ?? ["https://app.example.test/callback"],
        scope = scope ?? "USER",
        clientType,
    };

    public static async Task<JsonElement> CreateClientAsync(HttpClient http, object? body = null)
    {
        var response = await http.PostAsJsonAsync(Clients, body ?? NewClientBody());
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await JsonAsync(response);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static HttpContent RawJson(string text) => new StringContent(text, Encoding.UTF8, "application/json");

    public static Task<Client?> StoredAsync(string clientId) =>
        new ClientStore(TestDatabase.DataSource).FindByClientIdAsync(clientId, CancellationToken.None);

    public static async Task<bool> NameExistsAsync(string name)
    {
        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM clients WHERE name = @name)", new { name });
    }

    /// <summary>The field errors of a 400 answer (spec §7: {"errors":[...],"fieldErrors":{"field":[...]}}).</summary>
    public static async Task<IReadOnlyDictionary<string, string[]>> FieldErrorsAsync(HttpResponseMessage response)
    {
        var json = await JsonAsync(response);
        Assert.That(json.GetProperty("errors").ValueKind, Is.EqualTo(JsonValueKind.Array));
        return json.GetProperty("fieldErrors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray());
    }
}
