using System.Net;
using System.Text.Json;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Discovery;

/// <summary>Authorization server metadata (RFC 8414, Spec §6).</summary>
public sealed class MetadataTests
{
    private CrowdOAuthFactory _factory = null!;

    [OneTimeSetUp]
    public void Start() => _factory = new CrowdOAuthFactory();

    [OneTimeTearDown]
    public ValueTask Stop() => _factory.DisposeAsync();

    [TestCase("/.well-known/oauth-authorization-server")]
    [TestCase("/rest/oauth2/latest/.well-known/oauth-authorization-server")]
    [Requirement("SPEC-6-metadata", "RFC8414-2-required-fields", "RFC8414-2-issuer", "RFC8414-2-scopes-supported", "RFC8414-3-well-known", "RFC8414-3.2-response", "RFC8414-3.3-issuer-identical", "RFC9700-2.1.1-pkce-discoverable", "RFC9207-3-metadata-flag")]
    public async Task Metadata_BothPaths_CarryEveryFieldFromBaseUrl(string path)
    {
        var response = await _factory.CreateHttpClient().GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var m = doc.RootElement;
        const string b = CrowdOAuthFactory.BaseUrl;
        Assert.That(m.GetProperty("issuer").GetString(), Is.EqualTo(b));
        Assert.That(m.GetProperty("authorization_endpoint").GetString(), Is.EqualTo(b + "/rest/oauth2/latest/authorize"));
        Assert.That(m.GetProperty("token_endpoint").GetString(), Is.EqualTo(b + "/rest/oauth2/latest/token"));
        Assert.That(m.GetProperty("revocation_endpoint").GetString(), Is.EqualTo(b + "/rest/oauth2/latest/revoke"));
        Assert.That(m.GetProperty("introspection_endpoint").GetString(), Is.EqualTo(b + "/rest/oauth2/latest/introspect"));
        Assert.That(Strings(m, "scopes_supported"), Is.EquivalentTo(new[] { "USER", "SYSTEM_ADMIN" }));
        Assert.That(Strings(m, "response_types_supported"), Is.EqualTo(new[] { "code" }));
        Assert.That(Strings(m, "grant_types_supported"), Is.EquivalentTo(new[] { "authorization_code", "refresh_token" }));
        Assert.That(Strings(m, "code_challenge_methods_supported"), Is.EqualTo(new[] { "S256" }));
        Assert.That(Strings(m, "token_endpoint_auth_methods_supported"), Is.EquivalentTo(new[] { "client_secret_post", "client_secret_basic", "none" }));
        Assert.That(Strings(m, "revocation_endpoint_auth_methods_supported"), Is.Not.Empty);
        Assert.That(Strings(m, "introspection_endpoint_auth_methods_supported"), Is.Not.Empty);
        Assert.That(m.GetProperty("authorization_response_iss_parameter_supported").GetBoolean(), Is.True);
    }

    [Test]
    [Requirement("SPEC-8-issuer-from-base-url", "RFC9700-4.13-proxy-headers")]
    public async Task Metadata_HostileHostHeaders_ChangeNothing()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/oauth-authorization-server");
        request.Headers.Host = "evil.example";
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-Proto", "http");

        var response = await _factory.CreateHttpClient().SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(text, Does.Not.Contain("evil.example"));
        Assert.That(JsonDocument.Parse(text).RootElement.GetProperty("issuer").GetString(), Is.EqualTo(CrowdOAuthFactory.BaseUrl));
    }

    private static string[] Strings(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetString()!).ToArray();
}
