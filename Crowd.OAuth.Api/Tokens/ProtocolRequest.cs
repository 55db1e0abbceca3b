using System.Net.Http.Headers;
using System.Text;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Microsoft.Extensions.Primitives;

namespace Crowd.OAuth.Api.Tokens;

/// <summary>
/// Reads the parameters and client credentials of a POST to the token, revocation and
/// introspection endpoints: repeats refused in one place, empty values dropped.
/// </summary>
public static class ProtocolRequest
{
    public sealed record Parsed(TokenRequest Parameters, ClientCredentials Credentials);

    public static async Task<Outcome<Parsed>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);

        // Spec §4: parameters come from a form body, or from the query string of a body-less POST (Crowd's curl)
        foreach (var (name, value) in request.Query)
        {
            if (Add(values, name, value) is { } error) return error;
        }
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            // RFC 6749 §3.2: the token endpoint takes application/x-www-form-urlencoded (not multipart)
            if (!IsUrlEncodedForm(request.ContentType)) return OAuthError.InvalidRequest("the body must be application/x-www-form-urlencoded");
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (Exception e) when (IsUnreadableForm(e))
            {
                // Over the form limits (Hosting/Limits.cs), truncated, too slow, or in an unknown charset.
                return OAuthError.InvalidRequest("the form body is malformed or too large");
            }
            foreach (var (name, value) in form)
            {
                if (Add(values, name, value) is { } error) return error;
            }
        }

        var credentials = ReadCredentials(request, values);
        if (!credentials.IsSuccess) return credentials.Error!;
        return Outcome<Parsed>.Success(new Parsed(new TokenRequest(values), credentials.Value!));
    }

    private static OAuthError? Add(Dictionary<string, string> values, string name, StringValues value)
    {
        // RFC 6749 §3.2: no parameter may appear more than once (here or across query and body)
        if (value.Count > 1 || (values.ContainsKey(name) && value.Count == 1 && !string.IsNullOrEmpty(value[0])))
        {
            return OAuthError.InvalidRequest($"parameter {Printable(name)} is repeated");
        }
        // RFC 6749 Appendix A: every protocol parameter is made of printable characters; a control
        // character (NUL, CR, LF) in one is refused here, before it can reach a log or the database
        if (value.Count == 1 && IsProtocolParameter(name) && HasControlCharacter(value[0]))
        {
            return OAuthError.InvalidRequest($"parameter {Printable(name)} contains control characters");
        }
        // RFC 6749 §3.2: a parameter without a value counts as omitted
        if (value.Count == 1 && !string.IsNullOrEmpty(value[0])) values[name] = value[0]!;
        return null;
    }

    /// <summary>What reading a hostile form body throws: over the limits, truncated, too slow, an unknown charset.</summary>
    public static bool IsUnreadableForm(Exception e) =>
        e is InvalidDataException or BadHttpRequestException or IOException or ArgumentException or NotSupportedException;

    private static readonly HashSet<string> ProtocolParameters =
    [
        Parameters.ClientId, Parameters.ClientSecret, Parameters.RedirectUri, Parameters.Scope, Parameters.Code,
        Parameters.CodeVerifier, Parameters.GrantType, Parameters.RefreshToken, Parameters.Token, Parameters.TokenTypeHint,
    ];

    private static bool IsProtocolParameter(string name) => ProtocolParameters.Contains(name);

    private static bool HasControlCharacter(string? value) => value is not null && value.Any(char.IsControl);

    /// <summary>The one body type of the protocol's POSTs (RFC 6749 §3.2); multipart is not it.</summary>
    public static bool IsUrlEncodedForm(string? contentType) =>
        contentType is not null && contentType.Split(';', 2)[0].Trim().Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static Outcome<ClientCredentials> ReadCredentials(HttpRequest request, Dictionary<string, string> values)
    {
        values.TryGetValue(Parameters.ClientId, out var postedId);
        values.TryGetValue(Parameters.ClientSecret, out var postedSecret);
        var authorization = request.Headers.Authorization;
        if (authorization.Count == 0) return Outcome<ClientCredentials>.Success(new ClientCredentials(postedId, postedSecret, ViaBasic: false));

        if (authorization.Count > 1 || !AuthenticationHeaderValue.TryParse(authorization[0], out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return OAuthError.InvalidClient("only HTTP Basic client authentication is accepted here");
        }
        // Spec §4: client_secret_basic and client_secret_post together are refused
        if (postedSecret is not null) return OAuthError.InvalidRequest("use one client authentication method, not two");
        // RFC 6749 §2.3.1 and Appendix A: a client_id and a secret are printable characters
        if (!TryDecodeBasic(header.Parameter, out var id, out var secret) || HasControlCharacter(id) || HasControlCharacter(secret))
        {
            return OAuthError.InvalidClient("malformed Basic credentials");
        }
        // RFC 6749 §2.3.1: a client_id in the body must name the same client
        if (postedId is not null && postedId != id) return OAuthError.InvalidRequest("client_id does not match the Basic credentials");
        return Outcome<ClientCredentials>.Success(new ClientCredentials(id, secret.Length == 0 ? null : secret, ViaBasic: true));
    }

    /// <summary>RFC 6749 §2.3.1: Basic with the client_id and secret each form-url-encoded first.</summary>
    public static bool TryDecodeBasic(string? parameter, out string id, out string secret)
    {
        id = secret = "";
        if (string.IsNullOrEmpty(parameter) || parameter.Length > 2048) return false;
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(parameter));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0) return false;
        id = Uri.UnescapeDataString(decoded[..colon].Replace('+', ' '));
        secret = Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' '));
        return true;
    }

    /// <summary>A parameter name safe to echo in an error_description (RFC 6749 §5.2: a limited ASCII set).</summary>
    private static string Printable(string name) =>
        name.Length <= 40 && name.All(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '-') ? name : "(unprintable)";
}
