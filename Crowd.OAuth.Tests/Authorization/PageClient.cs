using System.Net;
using System.Text.RegularExpressions;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Core.Authorization;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace Crowd.OAuth.Tests.Authorization;

/// <summary>A form read from a page: where it posts and its hidden fields.</summary>
public sealed record HtmlForm(string Action, Dictionary<string, string> Fields);

/// <summary>
/// A cookie-keeping HTTP client that follows no redirect, for the pages: reads forms, posts them,
/// logs in. Over https, so the Secure cookies of production settings travel.
/// </summary>
public sealed partial class PageClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public static PageClient For(CrowdOAuthFactory factory) => new(factory.CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = true,
        BaseAddress = new Uri("https://localhost"),
    }));

    public Task<HttpResponseMessage> GetAsync(string url) => Http.GetAsync(url);

    public async Task<(HttpResponseMessage Response, string Html)> GetPageAsync(string url)
    {
        var response = await Http.GetAsync(url);
        return (response, await response.Content.ReadAsStringAsync());
    }

    public Task<HttpResponseMessage> PostAsync(string path, IEnumerable<KeyValuePair<string, string>> fields) =>
        Http.PostAsync(path, new FormUrlEncodedContent(fields));

    public Task<HttpResponseMessage> PostAsync(HtmlForm form, params (string Name, string Value)[] extra)
    {
        var fields = new Dictionary<string, string>(form.Fields);
        foreach (var (name, value) in extra) fields[name] = value;
        return PostAsync(form.Action, fields);
    }

    /// <summary>Logs in through the form; the client then holds the session cookie.</summary>
    public async Task LogInAsync(SeededUser user)
    {
        var (_, html) = await GetPageAsync(LoginEndpoints.LoginPath);
        var response = await PostAsync(Forms(html)[0], (LoginEndpoints.UsernameField, user.Username), (LoginEndpoints.PasswordField, user.Password));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), "login should succeed");
    }

    /// <summary>Authorize as a logged-in user, follow to the consent page, and return its decision form.</summary>
    public async Task<HtmlForm> OpenConsentAsync(string authorizeUrl)
    {
        var authorize = await GetAsync(authorizeUrl);
        Assert.That(authorize.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        var consentUrl = authorize.Headers.Location!.OriginalString;
        Assert.That(consentUrl, Does.StartWith(AuthorizationEndpoints.ConsentPath + "?"));
        var (response, html) = await GetPageAsync(consentUrl);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), html);
        return Forms(html).Single(f => f.Action == AuthorizationEndpoints.ConsentPath);
    }

    public static List<HtmlForm> Forms(string html) =>
        FormPattern().Matches(html).Select(m => new HtmlForm(
            WebUtility.HtmlDecode(m.Groups[1].Value),
            HiddenPattern().Matches(m.Groups[2].Value).ToDictionary(h => WebUtility.HtmlDecode(h.Groups[1].Value), h => WebUtility.HtmlDecode(h.Groups[2].Value)))).ToList();

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("""<form method="post" action="([^"]*)">(.*?)</form>""", RegexOptions.Singleline)]
    private static partial Regex FormPattern();

    [GeneratedRegex("""<input type="hidden" name="([^"]*)" value="([^"]*)">""")]
    private static partial Regex HiddenPattern();
}

/// <summary>Building authorization requests and reading what comes back.</summary>
public static class Flow
{
    /// <summary>RFC 7636 Appendix B.</summary>
    public const string Verifier = OAuthTestClient.Verifier;
    public const string Challenge = OAuthTestClient.Challenge;

    /// <summary>An authorize URL: the client's first redirect, response_type=code, S256 PKCE, and the given overrides (null removes).</summary>
    public static string AuthorizeUrl(SeededClient client, params (string Name, string? Value)[] overrides)
    {
        var parameters = new List<KeyValuePair<string, string?>>
        {
            new(Parameters.ClientId, client.ClientId),
            new(Parameters.RedirectUri, client.RedirectUri),
            new(Parameters.ResponseType, ResponseTypes.Code),
            new(Parameters.State, "st-" + Secrets.RandomHex(4)),
            new(Parameters.CodeChallengeMethod, CodeChallengeMethods.S256),
            new(Parameters.CodeChallenge, Challenge),
        };
        foreach (var (name, value) in overrides)
        {
            parameters.RemoveAll(p => p.Key == name);
            if (value is not null) parameters.Add(new(name, value));
        }
        return ResponseUri.Append(AuthorizationEndpoints.AuthorizePath, parameters);
    }

    /// <summary>The query of an absolute or relative URI, decoded.</summary>
    public static Dictionary<string, string> Query(string uri)
    {
        var i = uri.IndexOf('?');
        return i < 0 ? [] : QueryHelpers.ParseQuery(uri[(i + 1)..]).ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
    }

    public static async Task<long> CountCodesAsync(SeededClient client)
    {
        await using var cmd = TestDatabase.DataSource.CreateCommand("SELECT count(*) FROM authorization_codes WHERE client_pk = $1");
        cmd.Parameters.AddWithValue(client.Client.Id);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
