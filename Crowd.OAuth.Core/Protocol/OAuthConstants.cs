namespace Crowd.OAuth.Core.Protocol;

/// <summary>The protocol's vocabulary, spelled once. Handlers never spell these inline.</summary>
public static class Parameters
{
    public const string ClientId = "client_id";
    public const string ClientSecret = "client_secret";
    public const string RedirectUri = "redirect_uri";
    public const string ResponseType = "response_type";
    public const string Scope = "scope";
    public const string State = "state";
    public const string Code = "code";
    public const string CodeChallenge = "code_challenge";
    public const string CodeChallengeMethod = "code_challenge_method";
    public const string CodeVerifier = "code_verifier";
    public const string GrantType = "grant_type";
    public const string RefreshToken = "refresh_token";
    public const string Token = "token";
    public const string TokenTypeHint = "token_type_hint";
    public const string Error = "error";
    public const string ErrorDescription = "error_description";
    public const string Iss = "iss";
}

public static class GrantTypes
{
    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";
}

public static class ResponseTypes
{
    public const string Code = "code";
}

public static class CodeChallengeMethods
{
    public const string S256 = "S256";
    public const string Plain = "plain";
}

public static class TokenTypeHints
{
    public const string AccessToken = "access_token";
    public const string RefreshToken = "refresh_token";
}

public static class ClientTypes
{
    public const string Confidential = "confidential";
    public const string Public = "public";
}

/// <summary>Error codes, only those the RFCs define.</summary>
public static class Errors
{
    // RFC 6749 §4.1.2.1 and §5.2
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string UnauthorizedClient = "unauthorized_client";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string InvalidScope = "invalid_scope";
    public const string AccessDenied = "access_denied";
    public const string UnsupportedResponseType = "unsupported_response_type";
    public const string ServerError = "server_error";
    public const string TemporarilyUnavailable = "temporarily_unavailable";
    // RFC 6750 §3.1
    public const string InvalidToken = "invalid_token";
    public const string InsufficientScope = "insufficient_scope";
    // RFC 7009 §2.2.1
    public const string UnsupportedTokenType = "unsupported_token_type";
}
