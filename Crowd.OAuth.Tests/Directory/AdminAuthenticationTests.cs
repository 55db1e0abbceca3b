using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.DirectoryAdmin;

/// <summary>Only system administrators reach the client administration API (spec §7).</summary>
public sealed class AdminAuthenticationTests
{
    private CrowdOAuthFactory _factory = null!;

    [OneTimeSetUp]
    public void StartServer() => _factory = new CrowdOAuthFactory();

    [OneTimeTearDown]
    public Task StopServer() => _factory.DisposeAsync().AsTask();

    private static IEnumerable<TestCaseData> Endpoints()
    {
        var id = Guid.NewGuid();
        yield return new TestCaseData(HttpMethod.Get, AdminApi.Clients);
        yield return new TestCaseData(HttpMethod.Post, AdminApi.Clients);
        yield return new TestCaseData(HttpMethod.Get, $"{AdminApi.Clients}/{id}");
        yield return new TestCaseData(HttpMethod.Put, $"{AdminApi.Clients}/{id}");
        yield return new TestCaseData(HttpMethod.Delete, $"{AdminApi.Clients}/{id}");
        yield return new TestCaseData(HttpMethod.Put, $"{AdminApi.Clients}/reset/0123456789abcdef0123456789abcdef");
    }

    [TestCaseSource(nameof(Endpoints))]
    [Requirement("SPEC-7-admin-only", "RFC7235-3.1-challenge")]
    public async Task AnyEndpoint_NoCredentials_Returns401WithBasicChallenge(HttpMethod method, string path)
    {
        using var http = _factory.CreateHttpClient();

        var response = await http.SendAsync(new HttpRequestMessage(method, path) { Content = AdminApi.RawJson("{}") });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Basic realm=\"crowd-oauth\""));
    }

    [Test]
    [Requirement("SPEC-7-admin-only", "RFC7235-3.1-challenge")]
    public async Task Create_WrongPassword_Returns401AndStoresNothing()
    {
        var admin = await Seed.UserAsync(admin: true);
        using var http = _factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic(admin.Username, admin.Password + "x");
        var name = Seed.Unique("unauth");

        var response = await http.PostAsJsonAsync(AdminApi.Clients, AdminApi.NewClientBody(name: name));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Basic realm="));
        Assert.That(await AdminApi.NameExistsAsync(name), Is.False);
    }

    [TestCase("Basic", "not base64!")]
    [TestCase("Basic", "bm9jb2xvbg==")]
    [TestCase("Basic", "")]
    [TestCase("Bearer", "eyJhbGciOiJIUzI1NiJ9.e30.x")]
    [Requirement("SPEC-7-admin-only", "RFC7617-2-basic-credentials")]
    public async Task List_MalformedOrUnsupportedCredentials_Returns401(string scheme, string parameter)
    {
        using var http = _factory.CreateHttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, AdminApi.Clients);
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {parameter}".Trim());

        var response = await http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-7-admin-only")]
    public async Task List_UnknownUser_Returns401()
    {
        using var http = _factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic(Seed.Unique("nobody"), "whatever-password");

        var response = await http.GetAsync(AdminApi.Clients);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-7-admin-only", "SPEC-1-user-active")]
    public async Task List_DeactivatedAdministrator_Returns401()
    {
        var admin = await Seed.UserAsync(admin: true, active: false);
        using var http = _factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic(admin.Username, admin.Password);

        var response = await http.GetAsync(AdminApi.Clients);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-7-admin-only")]
    public async Task Create_AuthenticatedNonAdministrator_Returns403AndStoresNothing()
    {
        var user = await Seed.UserAsync(admin: false);
        using var http = _factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic(user.Username, user.Password);
        var name = Seed.Unique("forbidden");

        var response = await http.PostAsJsonAsync(AdminApi.Clients, AdminApi.NewClientBody(name: name));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.Headers.WwwAuthenticate, Is.Empty);
        Assert.That(await AdminApi.NameExistsAsync(name), Is.False);
    }

    [Test]
    [Requirement("SPEC-7-admin-only", "SPEC-1-user-login")]
    public async Task List_UsernameInAnotherLetterCase_Returns200()
    {
        var admin = await Seed.UserAsync(admin: true, username: Seed.Unique("MixedCase"));
        using var http = _factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic(admin.Username.ToUpperInvariant(), admin.Password);

        var response = await http.GetAsync(AdminApi.Clients);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-7-admin-only", "RFC7617-2-basic-credentials")]
    public async Task List_PasswordWithColonAndNonAscii_Returns200()
    {
        var admin = await Seed.UserAsync(admin: true, password: "pässwörd:with:colons");
        using var http = _factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic(admin.Username, admin.Password);

        var response = await http.GetAsync(AdminApi.Clients);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task List_DatabaseDown_Returns503()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var factory = new CrowdOAuthFactory(new Dictionary<string, string?> { ["ConnectionStrings:CrowdOAuth"] = cluster.ConnectionString });
        using var http = factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic("admin", "whatever-password");
        await cluster.StopServerAsync();

        var response = await http.GetAsync(AdminApi.Clients);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
    }
}
