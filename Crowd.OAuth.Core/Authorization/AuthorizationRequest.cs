using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Core.Authorization;

/// <summary>
/// The parameters of an authorization request as received (spec §3). An empty value is already
/// null here; <see cref="RepeatedParameter"/> names the first recognised parameter that came more
/// than once (the Api detects repeats: a joined value would hide them).
/// </summary>
public sealed record AuthorizationRequest(
    string? ClientId,
    string? RedirectUri,
    string? ResponseType,
    string? Scope,
    string? State,
    string? CodeChallenge,
    string? CodeChallengeMethod,
    string? RepeatedParameter = null)
{
    /// <summary>The parameters this endpoint reads, in the order of Crowd's consent URL.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        Parameters.ClientId, Parameters.RedirectUri, Parameters.ResponseType, Parameters.Scope,
        Parameters.State, Parameters.CodeChallengeMethod, Parameters.CodeChallenge,
    ];

    /// <summary>
    /// Reads the request from a lookup that yields every value sent for a name.
    /// RFC 6749 §3.1: parameters sent without a value are treated as omitted; unknown ones are ignored.
    /// </summary>
    public static AuthorizationRequest From(Func<string, IReadOnlyList<string?>> values)
    {
        string? repeated = null;
        string? Read(string name)
        {
            var all = values(name);
            // RFC 6749 §3.1: request parameters must not be included more than once
            if (all.Count > 1) repeated ??= name;
            return all.Count == 1 && !string.IsNullOrEmpty(all[0]) ? all[0] : null;
        }

        var clientId = Read(Parameters.ClientId);
        var redirectUri = Read(Parameters.RedirectUri);
        var responseType = Read(Parameters.ResponseType);
        var scope = Read(Parameters.Scope);
        var state = Read(Parameters.State);
        var method = Read(Parameters.CodeChallengeMethod);
        var challenge = Read(Parameters.CodeChallenge);
        return new AuthorizationRequest(clientId, redirectUri, responseType, scope, state, challenge, method, repeated);
    }

    /// <summary>The parameters as sent, in Crowd's order, absent ones left out.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ToParameters() =>
    [
        ResponseUri.P(Parameters.ClientId, ClientId),
        ResponseUri.P(Parameters.RedirectUri, RedirectUri),
        ResponseUri.P(Parameters.ResponseType, ResponseType),
        ResponseUri.P(Parameters.Scope, Scope),
        ResponseUri.P(Parameters.State, State),
        ResponseUri.P(Parameters.CodeChallengeMethod, CodeChallengeMethod),
        ResponseUri.P(Parameters.CodeChallenge, CodeChallenge),
    ];
}

/// <summary>What validating an authorization request decided.</summary>
public abstract record AuthorizationValidation;

/// <summary>
/// RFC 6749 §4.1.2.1: the client or its redirect URI cannot be trusted, so the user sees an error
/// page and is never redirected.
/// </summary>
public sealed record ShowErrorPage(OAuthError Error) : AuthorizationValidation;

/// <summary>The error goes back to the client's validated redirect URI, with the state it sent.</summary>
public sealed record RedirectError(string RedirectUri, OAuthError Error, string? State) : AuthorizationValidation;

/// <summary>
/// A request every check accepted. <see cref="Scope"/> is the effective scope in canonical form;
/// <see cref="CodeChallengeMethod"/> is S256 or plain when a challenge was sent, else null.
/// </summary>
public sealed record ValidAuthorizationRequest(
    Client Client,
    string RedirectUri,
    string ResponseType,
    string Scope,
    string? State,
    string? CodeChallenge,
    string? CodeChallengeMethod) : AuthorizationValidation
{
    /// <summary>The request in its validated form: the same request, spelled canonically.</summary>
    public AuthorizationRequest ToRequest() =>
        new(Client.ClientId, RedirectUri, ResponseType, Scope, State, CodeChallenge, CodeChallengeMethod);

    /// <summary>The validated parameters in the order of Crowd's consent URL.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ToParameters() => ToRequest().ToParameters();
}
