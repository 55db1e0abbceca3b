using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Crowd.OAuth.Tests.DirectoryAdmin;

/// <summary>The client administration API (spec §7) through HTTP, on the real database.</summary>
public sealed class ClientAdminEndpointsTests
{
    private CrowdOAuthFactory _factory = null!;

    [OneTimeSetUp]
    public void StartServer() => _factory = new CrowdOAuthFactory();

    [OneTimeTearDown]
    public Task StopServer() => _factory.DisposeAsync().AsTask();

    [Test]
    [Requirement("SPEC-7-create-list-get", "SPEC-7-entity", "SPEC-1-client-id-format", "SPEC-1-client-secret-hashed", "RFC8252-8.4-client-type", "RFC6749-10.10-entropy")]
    public async Task Create_ConfidentialClient_Returns200WithSecretOnceAndStoresOnlyItsDigest()
    {
        var (http, admin) = await AdminApi.AsNewAdminAsync(_factory);
        var name = Seed.Unique("app");

        var json = await AdminApi.CreateClientAsync(http, new
        {
            name,
            redirects = new[] { "https://b.example.test/cb", "https://a.example.test/cb", "https://b.example.test/cb" },
            scope = "SYSTEM_ADMIN",
        });

        Assert.That(Guid.TryParse(json.GetProperty("id").GetString(), out _), Is.True);
        var clientId = json.GetProperty("clientId").GetString()!;
        var secret = json.GetProperty("clientSecret").GetString()!;
        Assert.That(clientId, Does.Match("^[0-9a-f]{32}$"));
        Assert.That(secret, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(json.GetProperty("name").GetString(), Is.EqualTo(name));
        Assert.That(json.GetProperty("redirects").EnumerateArray().Select(e => e.GetString()),
            Is.EqualTo(new[] { "https://a.example.test/cb", "https://b.example.test/cb" }), "deduplicated and sorted");
        Assert.That(json.GetProperty("scope").GetString(), Is.EqualTo(Scopes.SystemAdmin));
        Assert.That(json.GetProperty("clientType").GetString(), Is.EqualTo(ClientTypes.Confidential));
        Assert.That(json.GetProperty("introspect").GetBoolean(), Is.False);
        Assert.That(json.GetProperty("userKey").GetString(), Is.EqualTo(admin.Username));
        Assert.That(json.TryGetProperty("createdAt", out _), Is.True);

        var stored = await AdminApi.StoredAsync(clientId);
        Assert.That(stored!.SecretHash, Is.EqualTo(Secrets.Digest(secret)));
        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        var row = await connection.ExecuteScalarAsync<string>("SELECT c::text FROM clients c WHERE client_id = @clientId", new { clientId });
        Assert.That(row, Does.Not.Contain(secret));
    }

    [Test]
    [Requirement("SPEC-7-create-list-get", "SPEC-1-client-types", "RFC6749-10.1-no-secret-public", "RFC6749-2.1-client-type", "RFC8252-8.4-client-type")]
    public async Task Create_PublicClientWithIntrospect_ReturnsNoSecretAndStoresNone()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);

        var json = await AdminApi.CreateClientAsync(http, new
        {
            name = Seed.Unique("cli"),
            redirects = new[] { "http://127.0.0.1/cb", "com.example.app:/oauth" },
            clientType = "public",
            introspect = true,
        });

        Assert.That(json.TryGetProperty("clientSecret", out _), Is.False);
        Assert.That(json.GetProperty("clientType").GetString(), Is.EqualTo(ClientTypes.Public));
        Assert.That(json.GetProperty("scope").GetString(), Is.EqualTo(Scopes.User), "absent scope means USER");
        Assert.That(json.GetProperty("introspect").GetBoolean(), Is.True);
        Assert.That((await AdminApi.StoredAsync(json.GetProperty("clientId").GetString()!))!.SecretHash, Is.Null);
    }

    [Test]
    [Requirement("SPEC-7-create-list-get", "SPEC-1-client-secret-hashed")]
    public async Task Get_ExistingClient_ReturnsItWithoutSecret()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http);
        var secret = created.GetProperty("clientSecret").GetString()!;

        var response = await http.GetAsync($"{AdminApi.Clients}/{created.GetProperty("id").GetString()}");
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var json = JsonDocument.Parse(body).RootElement;
        Assert.That(json.GetProperty("clientId").GetString(), Is.EqualTo(created.GetProperty("clientId").GetString()));
        Assert.That(json.GetProperty("name").GetString(), Is.EqualTo(created.GetProperty("name").GetString()));
        Assert.That(body, Does.Not.Contain(secret).And.Not.Contain("clientSecret").IgnoreCase);
    }

    [TestCase("0197a0f4-0000-7000-8000-000000000000")]
    [TestCase("not-a-uuid")]
    [Requirement("SPEC-7-create-list-get")]
    public async Task Get_UnknownId_Returns404(string id)
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);

        var response = await http.GetAsync($"{AdminApi.Clients}/{id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    [Requirement("SPEC-7-create-list-get", "SPEC-1-client-secret-hashed")]
    public async Task List_AfterCreate_ContainsTheClientAndNoSecretAnywhere()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http);
        var secret = created.GetProperty("clientSecret").GetString()!;

        var response = await http.GetAsync(AdminApi.Clients);
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        var ids = JsonDocument.Parse(body).RootElement.EnumerateArray().Select(c => c.GetProperty("clientId").GetString());
        Assert.That(ids, Does.Contain(created.GetProperty("clientId").GetString()));
        Assert.That(body, Does.Not.Contain(secret).And.Not.Contain("secret").IgnoreCase);
    }

    [Test]
    [Requirement("SPEC-7-update")]
    public async Task Update_SomeFieldsAbsent_Returns204AndKeepsTheirValues()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http, AdminApi.NewClientBody(redirects: ["https://keep.example.test/cb"], scope: "SYSTEM_ADMIN"));
        var clientId = created.GetProperty("clientId").GetString()!;
        var newName = Seed.Unique("renamed");

        var response = await http.PutAsJsonAsync($"{AdminApi.Clients}/{created.GetProperty("id").GetString()}", new { name = newName });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var stored = await AdminApi.StoredAsync(clientId);
        Assert.That(stored!.Name, Is.EqualTo(newName));
        Assert.That(stored.RedirectUris, Is.EqualTo(new[] { "https://keep.example.test/cb" }));
        Assert.That(stored.Scope, Is.EqualTo(Scopes.SystemAdmin));
        Assert.That(stored.SecretHash, Is.EqualTo(Secrets.Digest(created.GetProperty("clientSecret").GetString()!)));

        response = await http.PutAsJsonAsync($"{AdminApi.Clients}/{stored.Id}",
            new { redirects = new[] { "https://z.example.test/cb", "https://y.example.test/cb" }, scope = "USER" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        stored = await AdminApi.StoredAsync(clientId);
        Assert.That(stored!.Name, Is.EqualTo(newName));
        Assert.That(stored.RedirectUris, Is.EqualTo(new[] { "https://y.example.test/cb", "https://z.example.test/cb" }));
        Assert.That(stored.Scope, Is.EqualTo(Scopes.User));
    }

    [Test]
    [Requirement("SPEC-7-update")]
    public async Task Update_UnknownId_Returns404()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);

        var response = await http.PutAsJsonAsync($"{AdminApi.Clients}/{Guid.NewGuid()}", new { name = "x" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    [Requirement("SPEC-7-update", "SPEC-7-validation-errors")]
    public async Task Update_InvalidRedirect_Returns400AndChangesNothing()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http);
        var clientId = created.GetProperty("clientId").GetString()!;

        var response = await http.PutAsJsonAsync($"{AdminApi.Clients}/{created.GetProperty("id").GetString()}",
            new { name = Seed.Unique("other"), redirects = new[] { "https://evil.example/cb#x" } });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await AdminApi.FieldErrorsAsync(response)).Keys, Does.Contain("redirects"));
        Assert.That((await AdminApi.StoredAsync(clientId))!.Name, Is.EqualTo(created.GetProperty("name").GetString()));
    }

    [Test]
    [Requirement("SPEC-1-client-name-unique")]
    public async Task Create_DuplicateName_Returns400FieldErrorOnNameAndStoresNothing()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var name = Seed.Unique("dup");
        await AdminApi.CreateClientAsync(http, AdminApi.NewClientBody(name: name));

        var response = await http.PostAsJsonAsync(AdminApi.Clients, AdminApi.NewClientBody(name: name, redirects: ["https://second.example.test/cb"]));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await AdminApi.FieldErrorsAsync(response)).Keys, Is.EquivalentTo(new[] { "name" }));
        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM clients WHERE name = @name", new { name }), Is.EqualTo(1));
    }

    [Test]
    [Requirement("SPEC-1-client-name-unique")]
    public async Task Update_NameOfAnotherClient_Returns400FieldErrorOnName()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var first = await AdminApi.CreateClientAsync(http);
        var second = await AdminApi.CreateClientAsync(http);

        var response = await http.PutAsJsonAsync($"{AdminApi.Clients}/{second.GetProperty("id").GetString()}",
            new { name = first.GetProperty("name").GetString() });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await AdminApi.FieldErrorsAsync(response)).Keys, Is.EquivalentTo(new[] { "name" }));
    }

    [TestCase("ADMIN")]
    [TestCase("user")]
    [TestCase("USER READ")]
    [TestCase("USER  SYSTEM_ADMIN")]
    [TestCase("")]
    [Requirement("SPEC-1-scopes", "RFC6749-3.3-scope-syntax")]
    public async Task Create_ScopeOutsideCatalogue_Returns400FieldErrorOnScope(string scope)
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var name = Seed.Unique("scope");

        var response = await http.PostAsJsonAsync(AdminApi.Clients, AdminApi.NewClientBody(name: name, scope: scope));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await AdminApi.FieldErrorsAsync(response)).Keys, Is.EquivalentTo(new[] { "scope" }));
        Assert.That(await AdminApi.NameExistsAsync(name), Is.False);
    }

    [TestCase("{")]
    [TestCase("not json")]
    [TestCase("")]
    [TestCase("null")]
    [TestCase("[]")]
    [TestCase("{\"name\": 5, \"redirects\": [\"https://a.example.test/cb\"]}")]
    [TestCase("{\"name\": \"x\", \"redirects\": \"https://a.example.test/cb\"}")]
    [TestCase("{\"name\": \"x\", \"redirects\": [\"https://a.example.test/cb\"], \"introspect\": \"yes\"}")]
    [Requirement("SPEC-7-validation-errors")]
    public async Task Create_MalformedJson_Returns400InTheErrorShape(string body)
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);

        var response = await http.PostAsync(AdminApi.Clients, AdminApi.RawJson(body));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var json = await AdminApi.JsonAsync(response);
        Assert.That(json.GetProperty("errors").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(json.GetProperty("fieldErrors").ValueKind, Is.EqualTo(JsonValueKind.Object));
    }

    [Test]
    [Requirement("SPEC-7-validation-errors")]
    public async Task Update_MalformedJson_Returns400InTheErrorShape()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http);

        var response = await http.PutAsync($"{AdminApi.Clients}/{created.GetProperty("id").GetString()}", AdminApi.RawJson("{\"name\":"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await AdminApi.JsonAsync(response)).GetProperty("errors").GetArrayLength(), Is.GreaterThan(0));
    }

    [Test]
    [Requirement("SPEC-7-validation-errors")]
    public async Task Create_MissingNameAndRedirects_Returns400WithAFieldErrorForEach()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);

        var response = await http.PostAsync(AdminApi.Clients, AdminApi.RawJson("{}"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await AdminApi.FieldErrorsAsync(response)).Keys, Is.EquivalentTo(new[] { "name", "redirects" }));
    }

    [Test]
    public async Task Create_NameWithMarkup_StoredAndReturnedVerbatim()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var name = $"<script>alert('x')</script> & \"Co\" {Guid.NewGuid():N}";

        var created = await AdminApi.CreateClientAsync(http, AdminApi.NewClientBody(name: name));

        Assert.That(created.GetProperty("name").GetString(), Is.EqualTo(name));
        Assert.That((await AdminApi.StoredAsync(created.GetProperty("clientId").GetString()!))!.Name, Is.EqualTo(name));
        var fetched = await AdminApi.JsonAsync(await http.GetAsync($"{AdminApi.Clients}/{created.GetProperty("id").GetString()}"));
        Assert.That(fetched.GetProperty("name").GetString(), Is.EqualTo(name));
    }

    [Test]
    [Requirement("SPEC-7-delete")]
    public async Task Delete_ClientWithGrantCodeAndTokens_Returns200WithTheClientAndRemovesThemAll()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http);
        var client = (await AdminApi.StoredAsync(created.GetProperty("clientId").GetString()!))!;
        var grantId = await IssueCodeAndTokenPairAsync(client);

        var response = await http.DeleteAsync($"{AdminApi.Clients}/{client.Id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var json = await AdminApi.JsonAsync(response);
        Assert.That(json.GetProperty("clientId").GetString(), Is.EqualTo(client.ClientId));
        Assert.That(json.TryGetProperty("clientSecret", out _), Is.False);
        Assert.That(await AdminApi.StoredAsync(client.ClientId), Is.Null);
        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM grants WHERE client_pk = @Id", new { client.Id }), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM authorization_codes WHERE client_pk = @Id", new { client.Id }), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM token_pairs WHERE grant_id = @grantId", new { grantId }), Is.Zero);

        Assert.That((await http.DeleteAsync($"{AdminApi.Clients}/{client.Id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    [Requirement("SPEC-7-reset", "SPEC-1-client-secret-hashed")]
    public async Task Reset_ConfidentialClient_NewSecretMatchesStoredDigestOldDoesNotAndTokensStay()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http);
        var oldSecret = created.GetProperty("clientSecret").GetString()!;
        var client = (await AdminApi.StoredAsync(created.GetProperty("clientId").GetString()!))!;
        var grantId = await IssueCodeAndTokenPairAsync(client);

        var response = await http.PutAsync($"{AdminApi.Clients}/reset/{client.ClientId}", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        var newSecret = (await AdminApi.JsonAsync(response)).GetProperty("clientSecret").GetString()!;
        Assert.That(newSecret, Does.Match("^[0-9a-f]{64}$").And.Not.EqualTo(oldSecret));
        var stored = (await AdminApi.StoredAsync(client.ClientId))!;
        Assert.That(Secrets.MatchesDigest(newSecret, stored.SecretHash), Is.True);
        Assert.That(Secrets.MatchesDigest(oldSecret, stored.SecretHash), Is.False);
        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM token_pairs p JOIN grants g ON g.id = p.grant_id WHERE p.grant_id = @grantId AND p.generation = g.generation AND g.revoked_at IS NULL", new { grantId }), Is.EqualTo(1));
    }

    [Test]
    [Requirement("RFC6749-10.1-no-secret-public")]
    public async Task Reset_PublicClient_Returns400AndUnknownClientId404()
    {
        var (http, _) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http, AdminApi.NewClientBody(clientType: ClientTypes.Public));

        var publicReset = await http.PutAsync($"{AdminApi.Clients}/reset/{created.GetProperty("clientId").GetString()}", null);
        var unknownReset = await http.PutAsync($"{AdminApi.Clients}/reset/{Secrets.RandomHex(16)}", null);

        Assert.That(publicReset.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(unknownReset.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Changes_CreateUpdateResetDelete_AreAuditedWithActorAndNeverTheSecret()
    {
        var (http, admin) = await AdminApi.AsNewAdminAsync(_factory);
        var created = await AdminApi.CreateClientAsync(http);
        var id = created.GetProperty("id").GetString();
        var clientId = created.GetProperty("clientId").GetString()!;
        await http.PutAsJsonAsync($"{AdminApi.Clients}/{id}", new { name = Seed.Unique("audited") });
        var reset = await AdminApi.JsonAsync(await http.PutAsync($"{AdminApi.Clients}/reset/{clientId}", null));
        await http.DeleteAsync($"{AdminApi.Clients}/{id}");

        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string Actor, string Action, DateTime OccurredAt, string Row)>(
            "SELECT actor, action, occurred_at, a::text FROM audit_events a WHERE target = @clientId ORDER BY id", new { clientId })).ToList();

        Assert.That(rows.Select(r => r.Action), Is.EqualTo(new[]
        {
            AuditActions.ClientCreated, AuditActions.ClientUpdated, AuditActions.ClientSecretReset, AuditActions.ClientDeleted,
        }));
        Assert.That(rows.Select(r => r.Actor), Is.All.EqualTo(admin.Username));
        foreach (var secret in new[] { created.GetProperty("clientSecret").GetString()!, reset.GetProperty("clientSecret").GetString()! })
        {
            Assert.That(rows.Select(r => r.Row), Is.All.Not.Contain(secret));
            Assert.That(rows.Select(r => r.Row), Is.All.Not.Contain(Convert.ToHexStringLower(Secrets.Digest(secret))));
        }
    }

    /// <summary>A user's grant with an unredeemed code (through the real issuer) and a live token pair (SQL). Returns the grant id.</summary>
    private async Task<Guid> IssueCodeAndTokenPairAsync(Client client)
    {
        var user = await Seed.UserAsync();
        var issuer = _factory.Services.GetRequiredService<AuthorizationCodeIssuer>();
        await issuer.IssueAsync(new ApprovedAuthorization(client, user.User, client.RedirectUris[0], client.Scope, null, null), CancellationToken.None);
        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        var grantId = await connection.ExecuteScalarAsync<Guid>("SELECT grant_id FROM authorization_codes WHERE client_pk = @Id", new { client.Id });
        await connection.ExecuteAsync("""
            INSERT INTO token_pairs (grant_id, generation, access_hash, refresh_hash, scope, created_at, access_expires_at, refresh_expires_at)
            VALUES (@grantId, 1, @access, @refresh, @scope, now(), now() + interval '1 hour', now() + interval '90 days')
            """, new { grantId, access = Secrets.Digest(Secrets.RandomHex(16)), refresh = Secrets.Digest(Secrets.RandomHex(16)), scope = client.Scope });
        return grantId;
    }
}
