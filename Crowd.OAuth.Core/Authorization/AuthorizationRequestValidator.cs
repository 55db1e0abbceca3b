using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;

namespace Crowd.OAuth.Core.Authorization;

/// <summary>
/// The checks of an authorization request, in the order of spec §3 (RFC 6749 §4.1.1 and §4.1.2.1,
/// RFC 7636 §4.3 and §4.4.1, RFC 8252 §7.3, RFC 9700 §2.1). Used by the authorization endpoint and,
/// again, by the consent page and the consent decision.
/// </summary>
public sealed class AuthorizationRequestValidator(IClientStore clients, OAuth2ProviderOptions options)
{
    public async Task<AuthorizationValidation> ValidateAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        // Spec §3 and RFC 6749 §3.1: a repeated parameter is refused before anything is trusted, so no redirect
        if (request.RepeatedParameter is { } repeated) return new ShowErrorPage(OAuthError.InvalidRequest($"{repeated} is repeated"));

        // RFC 6749 §4.1.2.1: without a valid client_id, do not redirect
        if (request.ClientId is null) return new ShowErrorPage(OAuthError.InvalidRequest($"{Parameters.ClientId} is missing"));
        var client = await clients.FindByClientIdAsync(request.ClientId, cancellationToken);
        // RFC 6749 §4.1.2.1: an unknown client_id is not redirected
        if (client is null) return new ShowErrorPage(OAuthError.InvalidClient($"unknown {Parameters.ClientId}"));

        // RFC 9700 §2.1: the redirect URI is required, so it is always the one the client registered
        if (request.RedirectUri is null) return new ShowErrorPage(OAuthError.InvalidRequest($"{Parameters.RedirectUri} is missing"));
        // RFC 6749 §4.1.2.1 and RFC 9700 §2.1: an unregistered redirect URI (exact match, RFC 8252 §7.3 loopback port aside) is not redirected
        // RFC 6749 §3.1.2.4 and Spec §3: a missing or mismatching redirect URI gets the error page, never a redirect
        if (RedirectUriMatcher.FindMatch(request.RedirectUri, client.RedirectUris) is null)
            return new ShowErrorPage(OAuthError.InvalidRequest($"{Parameters.RedirectUri} is not registered for this client"));

        var redirectUri = request.RedirectUri;
        RedirectError Fail(OAuthError error) => new(redirectUri, error, request.State);

        // RFC 6749 §4.1.1 and §3.1.1: response_type is required
        if (request.ResponseType is null) return Fail(OAuthError.InvalidRequest($"{Parameters.ResponseType} is missing"));
        // RFC 6749 §3.1.1 and §4.1.2.1: only the code flow is offered (no implicit grant)
        if (request.ResponseType != ResponseTypes.Code)
            return Fail(OAuthError.UnsupportedResponseType($"only {Parameters.ResponseType}={ResponseTypes.Code} is supported"));

        // RFC 6749 §3.3: without a scope, the client's registered scope applies
        var scope = request.Scope ?? client.Scope;
        var requested = Scopes.Parse(scope);
        // RFC 6749 §3.3 and §4.1.2.1: unknown or malformed scope
        if (requested is null) return Fail(OAuthError.InvalidScope("the requested scope is unknown or malformed"));
        // RFC 6749 §3.3: never more than the client was registered for (SYSTEM_ADMIN includes USER)
        if (!Scopes.IsWithin(requested, Scopes.Parse(client.Scope) ?? new HashSet<string>()))
            return Fail(OAuthError.InvalidScope("the requested scope exceeds what this client may ask for"));

        string? method = null;
        if (request.CodeChallenge is not null)
        {
            // RFC 7636 §4.2: code_challenge is 43 to 128 unreserved characters
            if (!Pkce.IsWellFormed(request.CodeChallenge))
                return Fail(OAuthError.InvalidRequest($"{Parameters.CodeChallenge} must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"));
            // RFC 7636 §4.3: absent means plain; S256 is accepted in any letter case (as Crowd does)
            method = Pkce.NormalizeMethod(request.CodeChallengeMethod);
            // RFC 7636 §4.4.1: an unsupported transformation is invalid_request
            if (method is null) return Fail(OAuthError.InvalidRequest($"{Parameters.CodeChallengeMethod} must be {CodeChallengeMethods.S256}"));
            // RFC 9700 §2.1.1: plain is refused unless the operator allowed it
            if (method == CodeChallengeMethods.Plain && !options.AllowPlainPkce)
                return Fail(OAuthError.InvalidRequest($"{Parameters.CodeChallengeMethod} must be {CodeChallengeMethods.S256}"));
        }
        // RFC 7636 §4.3: a method means nothing without a challenge
        else if (request.CodeChallengeMethod is not null)
        {
            return Fail(OAuthError.InvalidRequest($"{Parameters.CodeChallengeMethod} was sent without {Parameters.CodeChallenge}"));
        }

        // RFC 7636 §4.4.1 and RFC 9700 §2.1.1: a public client must use PKCE
        if (request.CodeChallenge is null && client.IsPublic)
            return Fail(OAuthError.InvalidRequest($"a public client must send {Parameters.CodeChallenge}"));
        // RFC 9700 §2.1.1: with RequirePkce on, every client must use PKCE
        if (request.CodeChallenge is null && options.RequirePkce)
            return Fail(OAuthError.InvalidRequest($"{Parameters.CodeChallenge} is required"));

        return new ValidAuthorizationRequest(client, redirectUri, ResponseTypes.Code, Scopes.Format(requested), request.State, request.CodeChallenge, method);
    }
}
