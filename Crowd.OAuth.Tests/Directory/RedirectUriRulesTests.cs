using System.Net;
using System.Net.Http.Json;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.DirectoryAdmin;

/// <summary>Which redirect URIs a client may register (spec §7), as rules and through the admin API.</summary>
public sealed class RedirectUriRulesTests
{
    private static readonly OAuth2ProviderOptions Production = new();

    public static readonly string[] Hostile =
    [
        "https://app.example@evil.example/cb",
        "https://app.example:pw@evil.example/cb",
        "JaVaScRiPt:alert(1)",
        "javascript:alert(1)//https://app.example/cb",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "FILE://server/share",
        "https://*.example.com/cb",
        "https://app.example.com/*",
        "https://app.example.com/cb#fragment",
        "https://app.example.com/cb#",
        "https://app.example.com/" + new string('a', 451 - "https://app.example.com/".Length),
        "http://app.example.com/cb",
        "HTTP://APP.EXAMPLE.COM/cb",
        "http://127.0.0.2/cb",
        "http://127.0.0.1.evil.example/cb",
        "http://0x7f.1/cb",
        "/relative/cb",
        "app.example.com/cb",
        "//app.example.com/cb",
        "https:/app.example.com/cb",
        "https:///cb",
        "https://app.example.com\\@evil.example/cb",
        "https://app.example.com/c b",
        " https://app.example.com/cb",
        "https://app.example.com/cb\n",
        "https://app.example.com/cb\u0000",
        "https://app.exämple.com/cb",
        "myapp:/cb",
        "7com.example.app:/cb",
        "com.example_app:/cb",
        "",
    ];

    public static readonly string[] Accepted =
    [
        "https://app.example.com/cb",
        "https://app.example.com:8443/cb?tenant=1",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:8080/cb",
        "http://[::1]:9000/cb",
        "http://localhost/cb",
        "com.example.app:/oauth2redirect",
        "com.example.app://callback",
        "https://app.example.com/" + new string('a', 450 - "https://app.example.com/".Length),
    ];

    [TestCaseSource(nameof(Hostile))]
    [Requirement("SPEC-7-redirect-rules", "RFC6749-3.1.2-absolute-no-fragment", "RFC3986-2-uri-characters", "RFC3986-3.1-scheme-syntax", "RFC3986-3.2.1-no-userinfo", "RFC9700-2.6-no-http-redirect", "RFC8252-8.4-reverse-domain-scheme")]
    public void Check_HostileUriByDefault_IsRefused(string uri)
    {
        Assert.That(RedirectUriRules.Check(uri, Production), Is.Not.Null);
    }

    [TestCaseSource(nameof(Accepted))]
    [Requirement("SPEC-7-redirect-rules")]
    public void Check_AllowedUriByDefault_IsAccepted(string uri)
    {
        Assert.That(RedirectUriRules.Check(uri, Production), Is.Null);
    }

    [TestCase("http://127.0.0.1/cb")]
    [TestCase("http://[::1]/cb")]
    [TestCase("http://LOCALHOST:8080/cb")]
    [TestCase("https://localhost/cb")]
    [Requirement("SPEC-7-redirect-rules")]
    public void Check_LoopbackWithDisallowLocalhostRedirect_IsRefused(string uri)
    {
        Assert.That(RedirectUriRules.Check(uri, new OAuth2ProviderOptions { DisallowLocalhostRedirect = true }), Is.Not.Null);
    }

    [Test]
    [Requirement("SPEC-7-redirect-rules", "RFC9700-2.6-no-http-redirect", "RFC6749-3.1.2.1-redirect-tls")]
    public void Check_PlainHttpElsewhere_AcceptedOnlyWithSkipRedirectUrlHttpsRequirementOrDevMode()
    {
        const string uri = "http://app.example.com/cb";

        Assert.That(RedirectUriRules.Check(uri, Production), Is.Not.Null);
        Assert.That(RedirectUriRules.Check(uri, new OAuth2ProviderOptions { SkipRedirectUrlHttpsRequirement = true }), Is.Null);
        Assert.That(RedirectUriRules.Check(uri, new OAuth2ProviderOptions { DevMode = true }), Is.Null);
        Assert.That(RedirectUriRules.Check(uri, new OAuth2ProviderOptions { SkipBaseUrlHttpsRequirement = true }), Is.Not.Null);
    }

    [TestCase("javascript:alert(1)")]
    [TestCase("data:text/html,x")]
    [TestCase("file:///etc/passwd")]
    [TestCase("https://app.example@evil.example/cb")]
    [TestCase("https://*.example.com/cb")]
    [TestCase("https://app.example.com/cb#x")]
    [Requirement("SPEC-7-redirect-rules")]
    public void Check_HostileUriEvenInDevMode_IsRefused(string uri)
    {
        Assert.That(RedirectUriRules.Check(uri, new OAuth2ProviderOptions { DevMode = true, SkipRedirectUrlHttpsRequirement = true }), Is.Not.Null);
    }

    [Test]
    [Requirement("SPEC-7-redirect-rules", "SPEC-7-validation-errors")]
    public async Task Create_EachHostileRedirect_Returns400FieldErrorOnRedirectsAndStoresNothing()
    {
        await using var factory = new CrowdOAuthFactory();
        var (http, _) = await AdminApi.AsNewAdminAsync(factory);

        foreach (var uri in Hostile)
        {
            var name = Seed.Unique("hostile");
            var response = await http.PostAsJsonAsync(AdminApi.Clients, AdminApi.NewClientBody(name: name, redirects: ["https://fine.example.test/cb", uri]));

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), uri);
            Assert.That((await AdminApi.FieldErrorsAsync(response)).Keys, Is.EquivalentTo(new[] { "redirects" }), uri);
            Assert.That(await AdminApi.NameExistsAsync(name), Is.False, uri);
        }
    }

    [Test]
    [Requirement("SPEC-7-redirect-rules", "RFC6749-3.1.2.2-registration")]
    public async Task Create_NoRedirects_Returns400FieldErrorOnRedirects()
    {
        await using var factory = new CrowdOAuthFactory();
        var (http, _) = await AdminApi.AsNewAdminAsync(factory);

        var response = await http.PostAsJsonAsync(AdminApi.Clients, AdminApi.NewClientBody(redirects: []));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await AdminApi.FieldErrorsAsync(response)).Keys, Is.EquivalentTo(new[] { "redirects" }));
    }

    [Test]
    [Requirement("SPEC-7-redirect-rules", "RFC9700-2.6-no-http-redirect")]
    public async Task Create_PlainHttpNonLoopback_RefusedByDefaultAcceptedWithSkipRedirectUrlHttpsRequirement()
    {
        const string uri = "http://intranet.example.test/cb";
        await using var strict = new CrowdOAuthFactory();
        await using var relaxed = new CrowdOAuthFactory(new Dictionary<string, string?> { ["OAuth2Provider:SkipRedirectUrlHttpsRequirement"] = "true" });
        var (strictHttp, _) = await AdminApi.AsNewAdminAsync(strict);
        var (relaxedHttp, _) = await AdminApi.AsNewAdminAsync(relaxed);

        var refused = await strictHttp.PostAsJsonAsync(AdminApi.Clients, AdminApi.NewClientBody(redirects: [uri]));
        var accepted = await relaxedHttp.PostAsJsonAsync(AdminApi.Clients, AdminApi.NewClientBody(redirects: [uri]));

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
