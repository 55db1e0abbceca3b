using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Hardening;

/// <summary>What a hostile case may be answered with. Never a 5xx.</summary>
public enum Expect
{
    /// <summary>400, 401 or 429 with an RFC 6749 §5.2 JSON body (the token endpoint's own answer).</summary>
    ProtocolError,
    /// <summary>The protocol's answer, or Kestrel's bare 4xx (413, 414, 431, 400) before any handler.</summary>
    ProtocolOrRefused,
    /// <summary>401 with a Bearer challenge (RFC 6750 §3).</summary>
    BearerChallenge,
    /// <summary>Any 4xx.</summary>
    Refused,
    /// <summary>Any 4xx, or the connection closed without an answer (slow or truncated input).</summary>
    RefusedOrClosed,
    /// <summary>Anything but a 5xx (health endpoints answer regardless of junk).</summary>
    NotServerError,
    /// <summary>RFC 6749 §4.1.2.1: 303 to this server's error page, never to the client.</summary>
    ErrorPage,
}

/// <summary>
/// One hostile request, sent as raw bytes over a socket (so that anything can be sent: invalid
/// UTF-8, NUL, bare CR/LF, lying Content-Length). Add cases to <see cref="HostileInputTests.Cases"/>.
/// </summary>
public sealed record HostileCase(string Name, string Method, string Target, string[]? Headers = null, byte[]? Body = null, string? ContentType = null)
{
    public Expect Expect { get; init; } = Expect.Refused;
    /// <summary>The Content-Length sent, when it must differ from the body's length.</summary>
    public long? DeclaredLength { get; init; }
    public bool SendHost { get; init; } = true;
    /// <summary>Shut the sending side after the body (a client that gives up mid-body).</summary>
    public bool HalfClose { get; init; }
    /// <summary>Send the headers (or, with <see cref="DribbleBody"/>, the body) one byte at a time with this pause.</summary>
    public TimeSpan? Dribble { get; init; }
    public bool DribbleBody { get; init; }
    /// <summary>The server must wait for more input before it can refuse: run alongside the others.</summary>
    public bool Slow { get; init; }

    public override string ToString() => Name;
}

/// <summary>
/// Hostile input at every endpoint, against a real server process on a quiet
/// database of the test's own: never a 5xx, a 4xx in the protocol's form where it applies, no row
/// written, and (the server logging at Trace) no secret-bearing value in its output.
/// </summary>
[Category("Hardening")]
public sealed class HostileInputTests
{
    private const string Token = "/rest/oauth2/latest/token";
    private const string Myself = "/rest/api/1.0/myself";
    private const string ServerInfo = "/rest/admin/1.0/server-info";
    private const string Form = "application/x-www-form-urlencoded";
    /// <summary>Put in secret-bearing places of the requests; must never reach the server's output.</summary>
    private const string Marker = "s3cr3tMARKER";

    private static byte[] B(string latin1) => Encoding.Latin1.GetBytes(latin1);

    private static HostileCase TokenForm(string name, string body, Expect expect = Expect.ProtocolError, params string[] headers) =>
        new(name, "POST", Token, headers, B(body), Form) { Expect = expect };

    private static HostileCase TokenQuery(string name, string query, Expect expect = Expect.ProtocolError) =>
        new(name, "POST", Token + "?" + query, null, []) { Expect = expect };

    private static HostileCase Get(string name, string target, Expect expect, params string[] headers) =>
        new(name, "GET", target, headers) { Expect = expect };

    /// <summary>The table. {client} is replaced by a registered client's id, {secret} by its secret (so that some cases reach the grants).</summary>
    public static IEnumerable<HostileCase> Cases()
    {
        var big = (int n, char c) => new string(c, n);
        var fields = (int n) => string.Join("&", Enumerable.Range(0, n).Select(i => $"f{i}=v"));
        const string code = "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcallback&client_id={client}&client_secret={secret}";

        // Token endpoint: encodings and control characters
        yield return TokenForm("form: percent-encoded invalid UTF-8 in code", code + "&code=%C3%28%FF%FE" + Marker);
        yield return TokenForm("form: raw invalid UTF-8 bytes in code", code + "&code=\xff\xfe\xc3\x28" + Marker);
        yield return TokenForm("form: invalid UTF-8 in client_id", "grant_type=authorization_code&client_id=%ff%fe&client_secret=" + Marker);
        yield return TokenForm("form: overlong UTF-8 NUL in code", code + "&code=%C0%80" + Marker);
        yield return TokenForm("form: CR/LF in code", code + "&code=a%0D%0ASet-Cookie%3A%20x%3D" + Marker);
        yield return TokenForm("form: CR/LF in client_id", "grant_type=refresh_token&refresh_token=x&client_id=a%0D%0Ab&client_secret=" + Marker);
        yield return TokenForm("form: raw CR/LF in body", code + "&code=a\r\nb\r\n" + Marker);
        yield return TokenForm("form: NUL in code", code + "&code=%00" + Marker);
        yield return TokenForm("form: raw NUL bytes in body", code + "&code=\0\0" + Marker);
        yield return TokenForm("form: NUL in grant_type", "grant_type=authorization_code%00&client_id={client}&client_secret={secret}");
        yield return TokenForm("form: NUL in redirect_uri of a real client", "grant_type=authorization_code&client_id={client}&client_secret={secret}&code=x&redirect_uri=https%3A%2F%2Fapp%00.example.test");
        yield return TokenForm("form: NUL in an unknown client_id", "grant_type=refresh_token&refresh_token=x&client_id=%00" + Marker);
        yield return TokenForm("Basic with an encoded NUL in the client_id", "grant_type=authorization_code&code=x", Expect.ProtocolError, "Authorization: Basic " + Convert.ToBase64String(B("a%00b:" + Marker)));
        yield return TokenForm("form: lone surrogate escapes", code + "&code=%ED%A0%80" + Marker);
        yield return TokenForm("form: RTL override and emoji in code_verifier", code + "&code=x&code_verifier=%E2%80%AE%F0%9F%98%80" + big(50, 'a'));
        yield return TokenForm("form: malformed percent escapes", code + "&code=%%zz%4" + Marker);
        yield return TokenForm("form: empty names and values", "=&&=&grant_type=&client_id=");
        yield return TokenForm("form: only separators", "&&&&&&&&");
        // Token endpoint: sizes
        yield return TokenForm("form: 7 KB state", code + "&code=x&state=" + big(7 * 1024, 's'));
        yield return TokenForm("form: 9 KB scope (over the value limit)", code + "&code=x&scope=" + big(9 * 1024, 'S'));
        yield return TokenForm("form: 60 KB code", code + "&code=" + big(60 * 1024, 'c'));
        yield return TokenForm("form: 7 KB refresh token", "grant_type=refresh_token&client_id={client}&client_secret={secret}&refresh_token=" + big(7 * 1024, 'r'));
        yield return TokenForm("form: 7 KB code_verifier", code + "&code=x&code_verifier=" + big(7 * 1024, 'v'));
        yield return TokenForm("form: 300-character parameter name", code + "&" + big(300, 'k') + "=1");
        yield return TokenForm("form: 65 fields", code + "&" + fields(65));
        yield return TokenForm("form: 2000 fields", fields(2000));
        yield return TokenForm("form: 100 KB body (over the body limit)", code + "&pad=" + big(100 * 1024, 'p'), Expect.ProtocolOrRefused);
        yield return TokenForm("form: repeated grant_type", code + "&grant_type=refresh_token&code=x");
        yield return TokenForm("form: repeated client_secret", code + "&client_secret=" + Marker + "&code=x");
        yield return new HostileCase("form: Content-Length 10 MB declared, small body, sender gone", "POST", Token, null, B(code), Form)
            { DeclaredLength = 10_000_000, HalfClose = true, Expect = Expect.RefusedOrClosed };
        yield return new HostileCase("form: truncated body, sender gone", "POST", Token, null, B(code + "&code=" + Marker), Form)
            { DeclaredLength = 4000, HalfClose = true, Expect = Expect.RefusedOrClosed };
        yield return new HostileCase("form: truncated body, sender waits", "POST", Token, null, B(code + "&code=" + Marker), Form)
            { DeclaredLength = 4000, Slow = true, Expect = Expect.RefusedOrClosed };
        yield return new HostileCase("form: body dribbled one byte per 700 ms", "POST", Token, null, B(code + "&code=" + Marker + big(200, 'x')), Form)
            { Dribble = TimeSpan.FromMilliseconds(700), DribbleBody = true, Slow = true, Expect = Expect.RefusedOrClosed };
        yield return new HostileCase("headers dribbled one byte per 500 ms", "POST", Token + "?client_secret=" + Marker, ["X-Pad: " + big(200, 'h')], B(code), Form)
            { Dribble = TimeSpan.FromMilliseconds(500), Slow = true, Expect = Expect.RefusedOrClosed };
        // Token endpoint: content types
        yield return new HostileCase("JSON body", "POST", Token, null, B("{\"grant_type\":\"authorization_code\",\"client_secret\":\"" + Marker + "\"}"), "application/json") { Expect = Expect.ProtocolError };
        yield return new HostileCase("JSON labelled as a form", "POST", Token, null, B("{\"grant_type\":\"authorization_code\",\"client_secret\":\"" + Marker + "\"}"), Form) { Expect = Expect.ProtocolError };
        yield return new HostileCase("text/plain body", "POST", Token, null, B(code), "text/plain") { Expect = Expect.ProtocolError };
        yield return new HostileCase("XML body", "POST", Token, null, B("<grant_type>authorization_code</grant_type>"), "application/xml") { Expect = Expect.ProtocolError };
        yield return new HostileCase("multipart with a broken boundary", "POST", Token, null, B("--zzz\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n" + Marker), "multipart/form-data; boundary=abc") { Expect = Expect.ProtocolError };
        yield return new HostileCase("multipart without a boundary", "POST", Token, null, B("garbage"), "multipart/form-data") { Expect = Expect.ProtocolError };
        yield return new HostileCase("form content type with an odd charset", "POST", Token, null, B(code + "&code=x"), Form + "; charset=utf-7") { Expect = Expect.ProtocolOrRefused };
        yield return new HostileCase("form without Content-Length or chunking", "POST", Token, null, null, Form) { Expect = Expect.ProtocolError };
        // Token endpoint: query string
        yield return TokenQuery("query: invalid UTF-8", "grant_type=authorization_code&client_id=%ff%fe&code=%c3%28" + Marker);
        yield return TokenQuery("query: CR/LF and NUL", "grant_type=authorization_code&client_id=a%0d%0a%00&client_secret=" + Marker);
        yield return TokenQuery("query: 7 KB code", "grant_type=authorization_code&client_id={client}&client_secret={secret}&code=" + big(7 * 1024, 'q'));
        yield return TokenQuery("query: repeated client_id", "grant_type=authorization_code&client_id=a&client_id=b&code=" + Marker);
        yield return new HostileCase("query and body name the same parameter", "POST", Token + "?code=" + Marker, null, B(code + "&code=y"), Form) { Expect = Expect.ProtocolError };
        yield return new HostileCase("request line over 8 KB", "POST", Token + "?code=" + big(9 * 1024, 'u'), null, []) { Expect = Expect.Refused };
        yield return new HostileCase("raw bytes above 0x7F in the request target", "POST", Token + "?code=\xff\xfe" + Marker, null, []) { Expect = Expect.Refused };
        yield return new HostileCase("raw NUL in the request target", "POST", Token + "?code=\0" + Marker, null, []) { Expect = Expect.Refused };
        yield return new HostileCase("raw space in the request target", "POST", Token + "?code=a b" + Marker, null, []) { Expect = Expect.Refused };
        // Token endpoint: client authentication headers
        yield return TokenForm("Basic over 2 KB", "grant_type=authorization_code&code=x", Expect.ProtocolError, "Authorization: Basic " + big(3000, 'Q'));
        yield return TokenForm("Basic not base64", "grant_type=authorization_code&code=x", Expect.ProtocolError, "Authorization: Basic !!" + Marker + "!!");
        yield return TokenForm("Basic with invalid UTF-8 inside", "grant_type=authorization_code&code=x", Expect.ProtocolError, "Authorization: Basic " + Convert.ToBase64String([0xff, 0xfe, (byte)':', 0xc3, 0x28]));
        yield return TokenForm("Basic without a colon", "grant_type=authorization_code&code=x", Expect.ProtocolError, "Authorization: Basic " + Convert.ToBase64String(B("nocolon" + Marker)));
        yield return TokenForm("Basic and client_secret together", code + "&code=x", Expect.ProtocolError, "Authorization: Basic " + Convert.ToBase64String(B("{client}:" + Marker)));
        yield return TokenForm("two Authorization headers", "grant_type=authorization_code&code=x", Expect.ProtocolError, "Authorization: Basic " + Convert.ToBase64String(B("a:b")), "Authorization: Basic " + Convert.ToBase64String(B("c:d")));
        yield return TokenForm("Bearer scheme at the token endpoint", "grant_type=authorization_code&code=x", Expect.ProtocolError, "Authorization: Bearer " + Marker);
        yield return TokenForm("header value with a raw LF", code + "&code=x", Expect.Refused, "X-Injected: a\nSet-Cookie: " + Marker);
        yield return TokenForm("header value with a raw NUL", code + "&code=x", Expect.Refused, "X-Nul: a\0" + Marker);
        yield return TokenForm("header value with bytes above 0x7F", code + "&code=x", Expect.ProtocolOrRefused, "X-High: \xff\xfe" + Marker);
        yield return TokenForm("header over 16 KB", code + "&code=x", Expect.Refused, "X-Big: " + big(20 * 1024, 'H'));
        yield return TokenForm("100 headers", code + "&code=x", Expect.Refused, Enumerable.Range(0, 100).Select(i => $"X-H{i}: v").ToArray());
        yield return TokenForm("header name with a space", code + "&code=x", Expect.Refused, "Bad Header: " + Marker);
        // Token endpoint: framing and methods
        yield return new HostileCase("chunked and Content-Length together", "POST", Token, ["Transfer-Encoding: chunked"], B("5\r\ncode=\r\n0\r\n\r\n"), Form) { Expect = Expect.Refused };
        yield return new HostileCase("chunked with a malformed chunk size", "POST", Token, ["Transfer-Encoding: chunked"], B("zz\r\ncode=x\r\n0\r\n\r\n"), Form) { DeclaredLength = -1, Expect = Expect.ProtocolOrRefused };
        yield return new HostileCase("chunked body over 64 KB", "POST", Token, ["Transfer-Encoding: chunked"], B($"{70 * 1024:x}\r\n" + "pad=" + big(70 * 1024 - 4, 'p') + "\r\n0\r\n\r\n"), Form) { DeclaredLength = -1, Expect = Expect.ProtocolOrRefused };
        yield return new HostileCase("negative Content-Length", "POST", Token, null, B(code), Form) { DeclaredLength = -5, Expect = Expect.Refused };
        yield return new HostileCase("Content-Length not a number", "POST", Token, ["Content-Length: 12abc"], B(code), Form) { DeclaredLength = -1, Expect = Expect.Refused };
        yield return new HostileCase("no Host header", "POST", Token, null, B(code), Form) { SendHost = false, Expect = Expect.Refused };
        yield return new HostileCase("GET on the token endpoint", "GET", Token + "?client_secret=" + Marker) { Expect = Expect.Refused };
        yield return new HostileCase("PUT on the token endpoint", "PUT", Token, null, B(code), Form) { Expect = Expect.Refused };
        yield return new HostileCase("DELETE on the token endpoint", "DELETE", Token) { Expect = Expect.Refused };
        yield return new HostileCase("TRACE on the token endpoint", "TRACE", Token) { Expect = Expect.Refused };
        yield return new HostileCase("lower-case post", "post", Token, null, B(code), Form) { Expect = Expect.Refused };
        yield return new HostileCase("invented method", "BREW", Token) { Expect = Expect.Refused };
        yield return new HostileCase("CONNECT", "CONNECT", "127.0.0.1:5432") { Expect = Expect.Refused };
        yield return new HostileCase("OPTIONS *", "OPTIONS", "*") { Expect = Expect.Refused };
        yield return new HostileCase("absolute-form target to another host", "POST", "http://evil.example" + Token, null, B("grant_type=x"), Form) { Expect = Expect.ProtocolOrRefused };
        yield return new HostileCase("dot segments in the path", "POST", "/rest/oauth2/latest/../latest/token", null, B("grant_type=authorization_code&code=x&client_id=" + Marker), Form) { Expect = Expect.ProtocolOrRefused };
        yield return new HostileCase("encoded dot segments", "POST", "/rest/oauth2/latest/%2e%2e/latest/token", null, B("grant_type=x"), Form) { Expect = Expect.Refused };
        // Bearer-protected API
        yield return Get("myself: no credentials", Myself, Expect.BearerChallenge);
        yield return Get("myself: garbage Bearer", Myself, Expect.BearerChallenge, "Authorization: Bearer " + Marker);
        yield return Get("myself: 10 KB Bearer", Myself, Expect.BearerChallenge, "Authorization: Bearer " + big(10 * 1024, 'b'));
        yield return Get("myself: alg none token", Myself, Expect.BearerChallenge, "Authorization: Bearer eyJhbGciOiJub25lIn0.eyJpZCI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIn0.");
        yield return Get("myself: HS256 token with a hostile kid", Myself, Expect.BearerChallenge, "Authorization: Bearer eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLy4uL2V0Yy9wYXNzd2QifQ.eyJpZCI6IjAwIn0." + Marker);
        yield return Get("myself: Basic with a garbage token as password", Myself, Expect.BearerChallenge, "Authorization: Basic " + Convert.ToBase64String(B("user:" + Marker)));
        yield return Get("myself: token in the query string only", Myself + "?access_token=" + Marker, Expect.BearerChallenge);
        yield return Get("myself: unknown scheme", Myself, Expect.BearerChallenge, "Authorization: Negotiate " + Marker);
        yield return Get("myself: two Authorization headers", Myself, Expect.BearerChallenge, "Authorization: Bearer a.b.c", "Authorization: Bearer " + Marker);
        yield return Get("myself: Bearer with raw bytes above 0x7F", Myself, Expect.Refused, "Authorization: Bearer \xff\xfe" + Marker);
        yield return Get("myself: invalid UTF-8 in the query", Myself + "?x=%ff%fe%c3%28", Expect.BearerChallenge);
        yield return new HostileCase("myself: POST", "POST", Myself, null, B("a=b"), Form) { Expect = Expect.Refused };
        yield return new HostileCase("myself: GET with a JSON body", "GET", Myself, null, B("{\"a\":1}"), "application/json") { Expect = Expect.BearerChallenge };
        yield return new HostileCase("myself: GET declaring a 1 MB body, sender gone", "GET", Myself, null, B("x"), "application/json") { DeclaredLength = 1_000_000, HalfClose = true, Expect = Expect.RefusedOrClosed };
        yield return Get("myself: NUL in the path", "/rest/api/1.0/myself%00", Expect.Refused);
        yield return Get("myself: invalid UTF-8 in the path", "/rest/api/1.0/%ff%fe", Expect.Refused);
        yield return Get("server-info: garbage Bearer", ServerInfo, Expect.BearerChallenge, "Authorization: Bearer x.y.z" + Marker);
        yield return Get("server-info: no credentials", ServerInfo, Expect.BearerChallenge);
        yield return Get("server-info: header over 16 KB", ServerInfo, Expect.Refused, "Cookie: " + big(20 * 1024, 'c'));
        // Authorization endpoint, consent, error page: a person's browser gets a page or a redirect, never a 5xx
        const string Authorize = "/rest/oauth2/latest/authorize";
        const string Consent = "/plugins/servlet/oauth2/consent";
        const string Valid = "client_id={client}&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcallback&response_type=code&code_challenge_method=S256&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        yield return Get("authorize: unknown client", Authorize + "?client_id=" + Marker + "&redirect_uri=https%3A%2F%2Fevil.example%2F", Expect.ErrorPage);
        yield return Get("authorize: CR/LF and a header in state", Authorize + "?" + Valid + "&state=a%0D%0AX-Injected%3A%201", Expect.NotServerError);
        yield return Get("authorize: markup in state", Authorize + "?" + Valid + "&state=%3Cscript%3Ealert(1)%3C%2Fscript%3E", Expect.NotServerError);
        yield return Get("authorize: 6 KB state", Authorize + "?" + Valid + "&state=" + big(6 * 1024, 's'), Expect.NotServerError);
        yield return Get("authorize: 6 KB scope", Authorize + "?" + Valid + "&scope=" + big(6 * 1024, 'S'), Expect.NotServerError);
        yield return Get("authorize: invalid UTF-8 in state", Authorize + "?" + Valid + "&state=%ff%fe%c3%28", Expect.NotServerError);
        yield return Get("authorize: NUL in redirect_uri", Authorize + "?client_id={client}&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcallback%00&response_type=code", Expect.ErrorPage);
        yield return Get("authorize: CR/LF in redirect_uri", Authorize + "?client_id={client}&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcallback%0D%0AX-Injected%3A%201&response_type=code", Expect.ErrorPage);
        yield return Get("authorize: every parameter twice", Authorize + "?" + Valid + "&" + Valid, Expect.ErrorPage);
        yield return Get("authorize: 60 junk parameters", Authorize + "?" + Valid + "&" + fields(60), Expect.NotServerError);
        yield return new HostileCase("authorize: POST", "POST", Authorize, null, B(Valid), Form) { Expect = Expect.Refused };
        yield return Get("consent: no session", Consent + "?" + Valid + "&state=x", Expect.NotServerError);
        yield return Get("consent: garbage everywhere", Consent + "?client_id=%ff&redirect_uri=%00&scope=%0d%0a", Expect.ErrorPage);
        yield return new HostileCase("consent: POST without session or token", "POST", Consent, null, B(Valid + "&decision=allow"), Form) { Expect = Expect.Refused };
        yield return new HostileCase("consent: POST with a forged integrity value", "POST", Consent, null, B(Valid + "&decision=allow&__RequestVerificationToken=" + Marker + "&consent_integrity=" + Marker), Form) { Expect = Expect.Refused };
        yield return new HostileCase("consent: POST JSON", "POST", Consent, null, B("{\"decision\":\"allow\"}"), "application/json") { Expect = Expect.Refused };
        yield return Get("error page: markup and CR/LF", "/plugins/servlet/oauth2/error?errorName=%3Cb%3E&errorDescription=%0D%0AX-Injected%3A%201%3Cscript%3E", Expect.Refused);
        yield return Get("error page: 6 KB description", "/plugins/servlet/oauth2/error?errorName=invalid_request&errorDescription=" + big(6 * 1024, 'd'), Expect.Refused);
        // Login, logout, applications
        yield return new HostileCase("login: POST without anti-forgery token", "POST", "/login", null, B("username=admin&password=" + Marker), Form) { Expect = Expect.Refused };
        yield return new HostileCase("login: forged anti-forgery token", "POST", "/login", ["Cookie: crowd.antiforgery=" + Marker], B("username=admin&password=" + Marker + "&__RequestVerificationToken=" + Marker), Form) { Expect = Expect.Refused };
        yield return new HostileCase("login: JSON body", "POST", "/login", null, B("{\"username\":\"admin\",\"password\":\"" + Marker + "\"}"), "application/json") { Expect = Expect.Refused };
        yield return new HostileCase("login: invalid UTF-8 and NUL in the form", "POST", "/login", null, B("username=%ff%fe%00&password=\xff" + Marker), Form) { Expect = Expect.Refused };
        yield return new HostileCase("login: 100 form fields", "POST", "/login", null, B(fields(100)), Form) { Expect = Expect.Refused };
        yield return Get("login: open redirect in returnUrl", "/login?returnUrl=%2F%2Fevil.example%0D%0AX-Injected%3A%201", Expect.NotServerError);
        yield return Get("login: garbage session cookie", "/login", Expect.NotServerError, "Cookie: crowd.session=" + Marker + "; crowd.antiforgery=%ff%fe");
        yield return new HostileCase("logout: POST without token", "POST", "/logout", null, B("returnUrl=%2F%2Fevil.example"), Form) { Expect = Expect.Refused };
        yield return Get("applications: garbage session cookie", "/plugins/servlet/oauth2/applications", Expect.NotServerError, "Cookie: crowd.session=" + big(3000, 'c'));
        yield return new HostileCase("revoke grant: not a UUID, no session", "POST", "/rest/oauth2/latest/revoke/%27%3B%20DROP%20TABLE%20grants%3B--", null, B("x=y"), Form) { Expect = Expect.Refused };
        yield return new HostileCase("revoke grant: no session", "POST", "/rest/oauth2/latest/revoke/" + Guid.Empty, null, B("x=y"), Form) { Expect = Expect.Refused };
        // Revocation and introspection
        yield return new HostileCase("revoke: no client", "POST", "/rest/oauth2/latest/revoke", null, B("token=" + Marker), Form) { Expect = Expect.ProtocolError };
        yield return new HostileCase("revoke: JSON body", "POST", "/rest/oauth2/latest/revoke", null, B("{\"token\":\"" + Marker + "\"}"), "application/json") { Expect = Expect.ProtocolError };
        yield return new HostileCase("revoke: CR/LF in token", "POST", "/rest/oauth2/latest/revoke", null, B("client_id={client}&client_secret={secret}&token=a%0D%0A" + Marker), Form) { Expect = Expect.ProtocolError };
        yield return new HostileCase("revoke: odd hint", "POST", "/rest/oauth2/latest/revoke", null, B("client_id={client}&client_secret={secret}&token=x&token_type_hint=%ff%00"), Form) { Expect = Expect.ProtocolError };
        yield return new HostileCase("introspect: wrong secret", "POST", "/rest/oauth2/latest/introspect", null, B("client_id={client}&client_secret=" + Marker + "&token=x"), Form) { Expect = Expect.ProtocolError };
        yield return new HostileCase("introspect: repeated token", "POST", "/rest/oauth2/latest/introspect", null, B("client_id={client}&client_secret={secret}&token=a&token=" + Marker), Form) { Expect = Expect.ProtocolError };
        // Client administration
        yield return new HostileCase("admin: create without credentials", "POST", "/rest/oauth2/latest/client", null, B("{\"name\":\"x\"}"), "application/json") { Expect = Expect.Refused };
        yield return new HostileCase("admin: garbage Basic", "POST", "/rest/oauth2/latest/client", ["Authorization: Basic %%%" + Marker], B("{}"), "application/json") { Expect = Expect.Refused };
        yield return new HostileCase("admin: wrong password", "GET", "/rest/oauth2/latest/client", ["Authorization: Basic " + Convert.ToBase64String(B("admin:" + Marker))]) { Expect = Expect.Refused };
        yield return new HostileCase("admin: id not a UUID", "GET", "/rest/oauth2/latest/client/%27%20OR%201%3D1") { Expect = Expect.Refused };
        yield return new HostileCase("admin: reset with a hostile clientId", "PUT", "/rest/oauth2/latest/client/reset/%0D%0Aevil") { Expect = Expect.Refused };
        yield return new HostileCase("admin: truncated JSON", "POST", "/rest/oauth2/latest/client", null, B("{\"name\":\"x\""), "application/json") { Expect = Expect.Refused };
        // Metadata
        yield return Get("metadata: hostile Host", "/.well-known/oauth-authorization-server", Expect.NotServerError, "X-Forwarded-Host: evil.example");
        yield return Get("metadata: junk query", "/rest/oauth2/latest/.well-known/oauth-authorization-server?%ff=%00", Expect.NotServerError);
        // Health
        yield return Get("live: junk query", "/health/live?x=%ff%00%0d%0a", Expect.NotServerError);
        yield return Get("ready: junk query", "/health/ready?" + big(4 * 1024, 'r'), Expect.NotServerError);
        yield return new HostileCase("ready: POST with a form", "POST", "/health/ready", null, B(fields(100)), Form) { Expect = Expect.NotServerError };
        yield return Get("live: header over 16 KB", "/health/live", Expect.Refused, "X-Big: " + big(20 * 1024, 'L'));
        yield return Get("health: NUL in the path", "/health/%00", Expect.Refused);
        yield return Get("unknown path with junk", "/%c3%28/junk%0d%0a", Expect.Refused);   // paths carry no secrets in this API
    }

    [Test]
    public async Task HostileRequests_EveryEndpoint_No5xxProtocolAnswersNoRowsAndNoSecretsLogged()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var db = new ClusterHarness(cluster.ConnectionString);
        var logAll = new Dictionary<string, string?>
        {
            ["Logging__LogLevel__Default"] = "Trace",
            ["Logging__LogLevel__Microsoft"] = "Trace",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
            ["Logging__Console__LogLevel__Default"] = "Trace",
        };
        await using var server = await Hardening.StartServerAsync(cluster.ConnectionString, logAll);
        var client = await db.ClientAsync();
        await db.UserAsync();
        var cases = Cases().Select(c => c with
        {
            Target = c.Target.Replace("{client}", client.ClientId).Replace("{secret}", client.Secret),
            Body = c.Body is null ? null : B(Encoding.Latin1.GetString(c.Body).Replace("{client}", client.ClientId).Replace("{secret}", client.Secret)),
            Headers = c.Headers?.Select(h => h.Replace("{client}", client.ClientId)).ToArray(),
        }).ToList();
        Assert.That(cases, Has.Count.GreaterThanOrEqualTo(140));
        var before = await db.CountRowsAsync();

        var slow = cases.Where(c => c.Slow || c.Dribble is not null).Select(c => Task.Run(() => SendAsync(server.Port, c))).ToList();
        var answers = new List<(HostileCase Case, RawAnswer Answer)>();
        foreach (var c in cases.Where(c => !(c.Slow || c.Dribble is not null))) answers.Add((c, await SendAsync(server.Port, c)));
        foreach (var (c, task) in cases.Where(c => c.Slow || c.Dribble is not null).Zip(slow)) answers.Add((c, await task));

        var failures = answers.Where(a => Judge(a.Case, a.Answer) is not null).Select(a => $"{a.Case.Name}: {Judge(a.Case, a.Answer)}").ToList();
        Assert.That(failures, Is.Empty);
        Assert.That(answers.Where(a => a.Answer.Headers.Contains("\nx-injected", StringComparison.OrdinalIgnoreCase)).Select(a => a.Case.Name), Is.Empty,
            "a CR/LF in a value became a header");
        Assert.That(await db.CountRowsAsync(), Is.EqualTo(before), "no hostile request stored a row");
        Assert.That((await db.ClientFor(server).Http.GetAsync("/health/ready")).IsSuccessStatusCode, "the server is still well");
        await Task.Delay(500);                                    // the console logger writes asynchronously
        Assert.That(server.Output, Does.Contain("RequestId:"), "log lines carry the request id scope");
        Assert.That(server.Output, Does.Not.Contain(Marker), "a secret-bearing value reached the log");
        Assert.That(server.Output, Does.Not.Contain(client.Secret), "the client secret reached the log");
        Assert.That(server.Output, Does.Not.Contain("Unexpected failure"));
    }

    private static string? Judge(HostileCase c, RawAnswer a)
    {
        if (a.Status >= 500) return $"answered {a.Status}";
        if (a.Status == 0) return c.Expect == Expect.RefusedOrClosed ? null : "closed without an answer";
        var protocol = a.Status is 400 or 401 or 429 && a.Json is { } json && json.TryGetProperty("error", out _) && a.NoStore;
        return c.Expect switch
        {
            Expect.ProtocolError => protocol ? null : $"not a protocol error: {a.Status} {a.Body}",
            Expect.ProtocolOrRefused => protocol || (a.Status is >= 400 and < 500 && a.Json is null) ? null : $"neither: {a.Status} {a.Body}",
            Expect.BearerChallenge => a.Status == 401 && a.Headers.Contains("www-authenticate: bearer", StringComparison.OrdinalIgnoreCase) ? null : $"no challenge: {a.Status}",
            Expect.ErrorPage => a.Status == 303 && a.Headers.Contains("\nlocation: /plugins/servlet/oauth2/error?", StringComparison.OrdinalIgnoreCase) ? null : $"not the error page: {a.Status}",
            Expect.Refused or Expect.RefusedOrClosed => a.Status is >= 400 and < 500 ? null : $"not refused: {a.Status}",
            _ => null,
        };
    }

    public sealed record RawAnswer(int Status, string Headers, string Body, TimeSpan Elapsed)
    {
        public bool NoStore => Headers.Contains("cache-control: no-store", StringComparison.OrdinalIgnoreCase);

        public JsonElement? Json
        {
            get
            {
                try
                {
                    return Body.Length > 0 ? JsonDocument.Parse(Body).RootElement.Clone() : null;
                }
                catch (JsonException)
                {
                    return null;
                }
            }
        }
    }

    /// <summary>Sends the case over a new connection and reads until the server closes it (bounded).</summary>
    public static async Task<RawAnswer> SendAsync(int port, HostileCase c)
    {
        var watch = Stopwatch.StartNew();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        var head = new StringBuilder($"{c.Method} {c.Target} HTTP/1.1\r\n");
        if (c.SendHost) head.Append("Host: 127.0.0.1\r\n");
        head.Append("Connection: close\r\n");
        foreach (var h in c.Headers ?? []) head.Append(h).Append("\r\n");
        if (c.ContentType is not null) head.Append($"Content-Type: {c.ContentType}\r\n");
        if (c.DeclaredLength is not -1 && (c.Body is not null || c.DeclaredLength is not null)) head.Append($"Content-Length: {c.DeclaredLength ?? c.Body!.Length}\r\n");
        head.Append("\r\n");
        var headBytes = Encoding.Latin1.GetBytes(head.ToString());
        var body = c.Body ?? [];

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(c.Slow || c.Dribble is not null ? 30 : 15));
        var reading = ReadAllAsync(stream, deadline.Token);
        try
        {
            if (c.Dribble is { } pause && !c.DribbleBody)
            {
                foreach (var b in headBytes.Concat(body))
                {
                    if (reading.IsCompleted) break;
                    await stream.WriteAsync(new[] { b }, deadline.Token);
                    await Task.Delay(pause, deadline.Token);
                }
            }
            else
            {
                await stream.WriteAsync(headBytes, deadline.Token);
                if (c.Dribble is { } bodyPause)
                {
                    foreach (var b in body)
                    {
                        if (reading.IsCompleted) break;
                        await stream.WriteAsync(new[] { b }, deadline.Token);
                        await Task.Delay(bodyPause, deadline.Token);
                    }
                }
                else
                {
                    await stream.WriteAsync(body, deadline.Token);
                }
            }
            if (c.HalfClose) tcp.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The server stopped listening to us; what it answered (if anything) is still to be read.
        }
        var raw = await reading;
        var text = Encoding.Latin1.GetString(raw);
        var status = text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(text.AsSpan(9, 3), out var s) ? s : 0;
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return split < 0 ? new RawAnswer(status, text, "", watch.Elapsed) : new RawAnswer(status, text[..split], Dechunk(text[..split], text[(split + 4)..]), watch.Elapsed);
    }

    private static async Task<byte[]> ReadAllAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(chunk, cancellationToken);
                if (n == 0) break;
                buffer.Write(chunk, 0, n);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }
        return buffer.ToArray();
    }

    private static string Dechunk(string headers, string body)
    {
        if (!headers.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase)) return body;
        var result = new StringBuilder();
        var rest = body;
        while (rest.IndexOf("\r\n", StringComparison.Ordinal) is var eol and > 0
               && int.TryParse(rest[..eol], System.Globalization.NumberStyles.HexNumber, null, out var size) && size > 0 && rest.Length >= eol + 2 + size)
        {
            result.Append(rest, eol + 2, size);
            rest = rest[(eol + 2 + size)..].TrimStart('\r', '\n');
        }
        return result.ToString();
    }
}
