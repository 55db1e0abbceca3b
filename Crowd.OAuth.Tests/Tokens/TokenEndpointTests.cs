using Microsoft.IdentityModel.Tokens;
using System.Text.Json;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Tokens;

/// <summary>The token endpoint's request handling and client authentication (Spec §4, RFC 6749 §2.3, §3.2, §5.2).</summary>
public sealed class TokenEndpointTests : TokenHarnessFixture
{
    [Test]
    [Requirement("SPEC-4-success-response", "RFC6749-5.1-response-fields", "RFC6749-5.1-no-store", "RFC6749-3.3-scope-in-response")]
    public async Task Exchange_ValidCode_ReturnsCrowdShapedTokensNotCached()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync(admin: true);
        var code = await Api.IssueCodeAsync(client, user);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var answer = await Api.ExchangeAsync(client, code);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(answer.Body.GetProperty("token_type").GetString(), Is.EqualTo("bearer"));
        Assert.That(answer.Body.GetProperty("expires_in").GetInt32(), Is.EqualTo(7200));
        Assert.That(answer.Scope, Is.EqualTo(Scopes.SystemAdmin));
        Assert.That(answer.Body.GetProperty("created_at").GetInt64(), Is.InRange(before - 5, before + 5));
        Assert.That(answer.AccessToken.Split('.'), Has.Length.EqualTo(3));
        Assert.That(answer.RefreshToken, Is.Not.EqualTo(answer.AccessToken));
        Assert.That(answer.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(answer.Headers.Pragma.ToString(), Is.EqualTo("no-cache"));
    }

    [Test]
    [Requirement("SPEC-4-params-form-or-query", "SPEC-4-client-secret-post", "SPEC-4-refresh-redirect-ignored")]
    public async Task Exchange_SeedCurlWithQueryStringAndNoBody_Works()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);
        var query = $"?client_id={client.ClientId}&code={Uri.EscapeDataString(code)}&grant_type=authorization_code&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}&code_verifier={OAuthTestClient.Verifier}";

        var answer = await Api.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/rest/oauth2/latest/token" + query));

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body.ToString());
        var refreshQuery = $"?client_id={client.ClientId}&client_secret={client.Secret}&refresh_token={answer.RefreshToken}&grant_type=refresh_token&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}";
        var refreshed = await Api.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/rest/oauth2/latest/token" + refreshQuery));
        Assert.That(refreshed.Status, Is.EqualTo(HttpStatusCode.OK), refreshed.Body.ToString());
    }

    [Test]
    [Requirement("SPEC-4-grant-type", "RFC6749-5.2-error-response", "SPEC-4-error-response")]
    public async Task Token_NoGrantType_IsInvalidRequest()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.PostFormAsync(new Dictionary<string, string> { ["client_id"] = client.ClientId, ["client_secret"] = client.Secret! });
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidRequest)));
    }

    [TestCase("password")]
    [TestCase("client_credentials")]
    [TestCase("implicit")]
    [TestCase("urn:ietf:params:oauth:grant-type:device_code")]
    [Requirement("SPEC-4-grant-type", "SPEC-4-no-implicit-password", "RFC9700-2.4-no-password-grant")]
    public async Task Token_OtherGrantType_IsUnsupportedGrantType(string grantType)
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = grantType, ["client_id"] = client.ClientId, ["client_secret"] = client.Secret!, ["username"] = "a", ["password"] = "b",
        });
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.UnsupportedGrantType)));
    }

    [Test]
    [Requirement("SPEC-4-param-repeated", "RFC6749-3.2-param-rules")]
    public async Task Token_ParameterRepeatedInBody_IsInvalidRequest()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.PostFormAsync([
            new("grant_type", "refresh_token"), new("grant_type", "refresh_token"),
            new("client_id", client.ClientId), new("client_secret", client.Secret!), new("refresh_token", "x"),
        ]);
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidRequest)));
    }

    [Test]
    [Requirement("SPEC-4-param-repeated")]
    public async Task Token_ParameterInQueryAndBody_IsInvalidRequest()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = client.ClientId, ["client_secret"] = client.Secret!, ["refresh_token"] = "x",
        }, query: "?grant_type=refresh_token");
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidRequest)));
    }

    [Test]
    public async Task Token_JsonBody_IsInvalidRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/rest/oauth2/latest/token")
        {
            Content = new StringContent("{\"grant_type\":\"refresh_token\"}", Encoding.UTF8, "application/json"),
        };
        var answer = await Api.SendAsync(request);
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidRequest)));
    }

    [Test]
    [Requirement("SPEC-4-client-secret-basic", "RFC6749-2.3.1-one-auth-method")]
    public async Task Token_BasicAndPostedSecretTogether_IsInvalidRequest()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_secret"] = client.Secret!, ["refresh_token"] = "x",
        }, OAuthTestClient.Basic(client.ClientId, client.Secret!));
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidRequest)));
    }

    [Test]
    [Requirement("SPEC-4-client-secret-basic", "RFC6749-2.3.1-basic-auth")]
    public async Task Exchange_ClientSecretBasic_Works()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user, challenge: null);

        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri,
        }, OAuthTestClient.Basic(client.ClientId, client.Secret!));

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body.ToString());
    }

    [Test]
    [Requirement("SPEC-4-invalid-client", "RFC6749-5.2-invalid-client-401")]
    public async Task Token_WrongSecretViaBasic_Is401WithBasicChallenge()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.PostFormAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = "x" },
            OAuthTestClient.Basic(client.ClientId, new string('0', 64)));

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
        Assert.That(answer.Headers.WwwAuthenticate.Single().Scheme, Is.EqualTo("Basic"));
    }

    [Test]
    [Requirement("SPEC-4-invalid-client", "SPEC-4-client-secret-post")]
    public async Task Token_WrongSecretViaPost_Is401InvalidClient()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.RefreshAsync(client with { Secret = new string('1', 64) }, "x");
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
    }

    [Test]
    [Requirement("SPEC-4-invalid-client")]
    public async Task Token_UnknownClient_Is401InvalidClient()
    {
        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = Secrets.RandomHex(16), ["client_secret"] = Secrets.RandomHex(32), ["refresh_token"] = "x",
        });
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
    }

    [Test]
    [Requirement("SPEC-4-invalid-client", "RFC6749-3.2.1-confidential-auth", "RFC6749-6-refresh-client")]
    public async Task Refresh_ConfidentialClientWithoutSecret_Is401InvalidClient()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.RefreshAsync(client with { Secret = null }, "x");
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
    }

    [Test]
    [Requirement("SPEC-4-invalid-client", "RFC6749-10.1-no-secret-public", "RFC6749-4.1.3-auth-if-sent")]
    public async Task Token_PublicClientSendingASecret_Is401InvalidClient()
    {
        var client = await Seed.ClientAsync(isPublic: true);
        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = client.ClientId, ["client_secret"] = "guess", ["refresh_token"] = "x",
        });
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
    }

    [Test]
    public async Task Token_MalformedBasicHeader_Is401InvalidClient()
    {
        var answer = await Api.PostFormAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = "x" },
            new AuthenticationHeaderValue("Basic", "%%%not-base64"));
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
    }

    [Test]
    [Requirement("RFC6749-5.2-description-charset", "SPEC-4-error-response")]
    public async Task Token_EveryError_HasAPlainAsciiDescription()
    {
        var answer = await Api.PostFormAsync([new("grant_type", "x"), new("grant_type", "y"), new("q\"\\\u0001", "v")]);

        var description = answer.Body.GetProperty("error_description").GetString()!;
        Assert.That(description, Does.Match("^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]+$"));
    }

    [Test]
    [Requirement("RFC6749-2.3.1-basic-auth")]
    public async Task Exchange_ClientSecretBasicPercentEncoded_IsFormUrlDecoded()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user, challenge: null);
        static string EncodeEveryCharacter(string value) => string.Concat(value.Select(c => $"%{(int)c:X2}"));
        var basic = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{EncodeEveryCharacter(client.ClientId)}:{EncodeEveryCharacter(client.Secret!)}")));

        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri,
        }, basic);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body.ToString());
    }

    [Test]
    [Requirement("RFC6749-3.2-param-rules")]
    public async Task Exchange_EmptySecretAndUnknownParameter_TreatedAsAbsentAndIgnored()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);

        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri, ["client_id"] = client.ClientId,
            ["code_verifier"] = OAuthTestClient.Verifier, ["client_secret"] = "", ["resource"] = "https://elsewhere.example.test",
        });

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body.ToString());
    }

    [Test]
    [Requirement("SPEC-1-token-id-hashed")]
    public async Task Exchange_ValidCode_StoresOnlyTheDigestsOfTheTokenIds()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        static string IdOf(string token) =>
            JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.Split('.')[1])).RootElement.GetProperty("id").GetString()!;
        var accessId = IdOf(tokens.AccessToken);
        var refreshId = IdOf(tokens.RefreshToken);

        await using var cmd = TestDatabase.DataSource.CreateCommand("SELECT p::text FROM token_pairs p WHERE access_hash = $1 AND refresh_hash = $2");
        cmd.Parameters.AddWithValue(Secrets.Digest(accessId));
        cmd.Parameters.AddWithValue(Secrets.Digest(refreshId));
        var row = (string?)await cmd.ExecuteScalarAsync();

        Assert.That(row, Is.Not.Null, "the pair is stored under the SHA-256 of each id");
        Assert.That(row, Does.Not.Contain(accessId).And.Not.Contain(refreshId));
    }

    [Test]
    public async Task Token_Get_IsNotAllowed()
    {
        var response = await Api.Http.GetAsync("/rest/oauth2/latest/token?grant_type=refresh_token");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }
}
