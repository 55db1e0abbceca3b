using Crowd.OAuth.Core.Authorization;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Authorization;

public sealed class RedirectUriMatcherTests
{
    private const string Registered = "https://app.example.test/cb";

    [Test]
    [Requirement("RFC6749-3.1.2.3-compare", "SPEC-3-redirect-exact")]
    public void Matches_IdenticalString_True() => Assert.That(RedirectUriMatcher.Matches(Registered, Registered), Is.True);

    [TestCase("https://app.example.test/cb/../evil")]
    [TestCase("https://app.example.test/cb/%2e%2e/evil")]
    [TestCase("https://app.example.test/%2e%2e/cb")]
    [TestCase("https://app.example.test/cb%2F..%2Fevil")]
    [TestCase("https://evil.example@app.example.test/cb")]
    [TestCase("https://app.example.test@evil.example/cb")]
    [TestCase("https://app.example.test\\@evil.example/cb")]
    [TestCase("https://app.example.test\\cb")]
    [TestCase("https://APP.example.test/cb")]
    [TestCase("https://app.example.test/CB")]
    [TestCase("HTTPS://app.example.test/cb")]
    [TestCase("https://app.example.test/cb?next=https://evil.example")]
    [TestCase("https://app.example.test/cb/")]
    [TestCase("https://app.example.test/cb#x")]
    [TestCase("https://app.example.test/cbx")]
    [TestCase("https://app.example.test/c")]
    [TestCase("https://app.example.test:443/cb")]
    [TestCase("https://app.example.test.evil.example/cb")]
    [TestCase("http://app.example.test/cb")]
    [TestCase(" https://app.example.test/cb")]
    [Requirement("RFC6749-3.1.2.3-compare", "SPEC-3-redirect-exact", "RFC9700-2.1-exact-redirect")]
    public void Matches_HostileOrNormalisedVariant_False(string requested) =>
        Assert.That(RedirectUriMatcher.Matches(requested, Registered), Is.False);

    [TestCase("http://127.0.0.1:53100/cb", "http://127.0.0.1/cb")]
    [TestCase("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb")]
    [TestCase("http://127.0.0.1:1/cb?x=1", "http://127.0.0.1:65535/cb?x=1")]
    [TestCase("http://[::1]:9/cb", "http://[::1]:8080/cb")]
    [TestCase("http://127.0.0.1:8080", "http://127.0.0.1")]
    [Requirement("RFC8252-7.3-loopback-port")]
    public void Matches_LoopbackWithOtherPort_True(string requested, string registered) =>
        Assert.That(RedirectUriMatcher.Matches(requested, registered), Is.True);

    [TestCase("http://localhost:8080/cb", "http://localhost/cb")]
    [TestCase("https://127.0.0.1:8443/cb", "https://127.0.0.1/cb")]
    [TestCase("http://127.0.0.1:8080/other", "http://127.0.0.1/cb")]
    [TestCase("http://127.0.0.1:8080/cb/", "http://127.0.0.1/cb")]
    [TestCase("http://127.0.0.1:80@evil.example/cb", "http://127.0.0.1/cb")]
    [TestCase("http://127.0.0.1.evil.example/cb", "http://127.0.0.1/cb")]
    [TestCase("http://127.0.0.1:/cb", "http://127.0.0.1/cb")]
    [TestCase("http://127.0.0.1:0/cb", "http://127.0.0.1/cb")]
    [TestCase("http://127.0.0.1:99999/cb", "http://127.0.0.1/cb")]
    [TestCase("http://127.0.0.2:8080/cb", "http://127.0.0.1/cb")]
    [TestCase("http://[::1]:8080/cb", "http://127.0.0.1/cb")]
    [Requirement("RFC8252-7.3-loopback-port")]
    public void Matches_NotTheLoopbackException_False(string requested, string registered) =>
        Assert.That(RedirectUriMatcher.Matches(requested, registered), Is.False);
}

public sealed class ResponseUriTests
{
    [Test]
    [Requirement("RFC6749-3.1.2-keep-query")]
    public void Append_UriWithQuery_JoinsWithAmpersand() =>
        Assert.That(ResponseUri.Append("https://app.example.test/cb?tenant=a", [ResponseUri.P("code", "x")]),
            Is.EqualTo("https://app.example.test/cb?tenant=a&code=x"));

    [Test]
    public void Append_NullValue_Skipped() =>
        Assert.That(ResponseUri.Append("https://app.example.test/cb", [ResponseUri.P("code", "x"), ResponseUri.P("state", null)]),
            Is.EqualTo("https://app.example.test/cb?code=x"));

    [Test]
    [Requirement("RFC6749-10.14-sanitize")]
    public void Append_ControlCharactersAndMarkup_PercentEncoded()
    {
        var uri = ResponseUri.Append("https://app.example.test/cb", [ResponseUri.P("state", "a\r\nSet-Cookie: x=1<script>&b=c")]);
        Assert.That(uri, Is.EqualTo("https://app.example.test/cb?state=a%0D%0ASet-Cookie%3A%20x%3D1%3Cscript%3E%26b%3Dc"));
    }
}
