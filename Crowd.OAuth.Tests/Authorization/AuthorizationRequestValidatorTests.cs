using Crowd.OAuth.Core.Authorization;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Authorization;

/// <summary>The checks of spec §3, one row each, against an in-memory client store.</summary>
public sealed class AuthorizationRequestValidatorTests
{
    private const string Redirect = "https://app.example.test/cb";
    private static readonly Client Confidential = NewClient("0123456789abcdef0123456789abcdef", ClientTypes.Confidential, Scopes.SystemAdmin);
    private static readonly Client Public = NewClient("fedcba9876543210fedcba9876543210", ClientTypes.Public, Scopes.User);

    private static Client NewClient(string clientId, string type, string scope) => new(Guid.NewGuid(), clientId, "App " + clientId[..4], type,
        type == ClientTypes.Public ? null : new byte[32], [Redirect, "http://127.0.0.1/cb"], scope, false, "test", DateTimeOffset.UnixEpoch);

    private sealed class FakeClients(params Client[] clients) : IClientStore
    {
        public Task<Client?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken) =>
            Task.FromResult(clients.FirstOrDefault(c => c.ClientId == clientId));
        public Task<Client?> FindByIdAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<Client>> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ClientWriteResult> CreateAsync(Client client, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ClientWriteResult> UpdateAsync(Client client, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<Client?> DeleteAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> SetSecretHashAsync(string clientId, byte[] secretHash, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static AuthorizationRequest Request(Client? client = null, string? repeated = null, params (string Name, string? Value)[] overrides)
    {
        var values = new Dictionary<string, string?>
        {
            [Parameters.ClientId] = (client ?? Confidential).ClientId,
            [Parameters.RedirectUri] = Redirect,
            [Parameters.ResponseType] = ResponseTypes.Code,
            [Parameters.Scope] = null,
            [Parameters.State] = "xyz",
            [Parameters.CodeChallenge] = Flow.Challenge,
            [Parameters.CodeChallengeMethod] = CodeChallengeMethods.S256,
        };
        foreach (var (name, value) in overrides) values[name] = value;
        return AuthorizationRequest.From(name =>
            name == repeated ? ["a", "b"] : values.TryGetValue(name, out var v) && v is not null ? [v] : []);
    }

    private static Task<AuthorizationValidation> ValidateAsync(AuthorizationRequest request, OAuth2ProviderOptions? options = null) =>
        new AuthorizationRequestValidator(new FakeClients(Confidential, Public), options ?? new OAuth2ProviderOptions()).ValidateAsync(request, CancellationToken.None);

    private static async Task<OAuthError> PageErrorAsync(AuthorizationRequest request, OAuth2ProviderOptions? options = null)
    {
        var result = await ValidateAsync(request, options);
        Assert.That(result, Is.TypeOf<ShowErrorPage>(), "must not redirect");
        return ((ShowErrorPage)result).Error;
    }

    private static async Task<RedirectError> RedirectedAsync(AuthorizationRequest request, OAuth2ProviderOptions? options = null)
    {
        var result = await ValidateAsync(request, options);
        Assert.That(result, Is.TypeOf<RedirectError>());
        return (RedirectError)result;
    }

    private static async Task<ValidAuthorizationRequest> ValidAsync(AuthorizationRequest request, OAuth2ProviderOptions? options = null)
    {
        var result = await ValidateAsync(request, options);
        Assert.That(result, Is.TypeOf<ValidAuthorizationRequest>(), () => result.ToString());
        return (ValidAuthorizationRequest)result;
    }

    [TestCase("client_id")]
    [TestCase("redirect_uri")]
    [TestCase("response_type")]
    [TestCase("scope")]
    [TestCase("state")]
    [TestCase("code_challenge")]
    [TestCase("code_challenge_method")]
    [Requirement("SPEC-3-param-once", "RFC6749-3.1-param-rules")]
    public async Task Validate_RepeatedParameter_ErrorPageInvalidRequest(string name) =>
        Assert.That((await PageErrorAsync(Request(repeated: name))).Code, Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("SPEC-3-param-once", "RFC6749-3.1-param-rules", "RFC6749-3.3-scope-default")]
    public async Task Validate_UnknownParameterAndEmptyScope_IgnoredAndClientScopeUsed()
    {
        var request = AuthorizationRequest.From(name => name switch
        {
            Parameters.ClientId => [Confidential.ClientId],
            Parameters.RedirectUri => [Redirect],
            Parameters.ResponseType => [ResponseTypes.Code],
            Parameters.Scope => [""],
            Parameters.CodeChallenge => [Flow.Challenge],
            Parameters.CodeChallengeMethod => ["S256"],
            _ => [],
        });
        var valid = await ValidAsync(request);
        Assert.That(valid.Scope, Is.EqualTo(Scopes.SystemAdmin));
        Assert.That(valid.State, Is.Null);
    }

    [TestCase(null)]
    [TestCase("")]
    [Requirement("SPEC-3-invalid-client-no-redirect", "SPEC-3-param-once")]
    public async Task Validate_MissingClientId_ErrorPageInvalidRequest(string? clientId) =>
        Assert.That((await PageErrorAsync(Request(overrides: (Parameters.ClientId, clientId)))).Code, Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("SPEC-3-invalid-client-no-redirect")]
    public async Task Validate_UnknownClient_ErrorPageInvalidClient() =>
        Assert.That((await PageErrorAsync(Request(overrides: (Parameters.ClientId, "00000000000000000000000000000000")))).Code, Is.EqualTo(Errors.InvalidClient));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("https://evil.example/cb")]
    [TestCase("https://app.example.test/cb/")]
    [Requirement("RFC6749-3.1.2.4-no-redirect-invalid", "SPEC-3-invalid-client-no-redirect", "RFC9700-2.1-exact-redirect", "SPEC-3-redirect-exact")]
    public async Task Validate_MissingOrUnregisteredRedirectUri_ErrorPageInvalidRequest(string? redirectUri) =>
        Assert.That((await PageErrorAsync(Request(overrides: (Parameters.RedirectUri, redirectUri)))).Code, Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("RFC8252-7.3-loopback-port")]
    public async Task Validate_LoopbackRedirectWithPort_ValidWithThatPort()
    {
        var valid = await ValidAsync(Request(overrides: (Parameters.RedirectUri, "http://127.0.0.1:49152/cb")));
        Assert.That(valid.RedirectUri, Is.EqualTo("http://127.0.0.1:49152/cb"));
    }

    [Test]
    [Requirement("RFC6749-3.1.1-response-type", "SPEC-3-response-type", "SPEC-3-error-redirect")]
    public async Task Validate_MissingResponseType_RedirectsInvalidRequestWithState()
    {
        var error = await RedirectedAsync(Request(overrides: (Parameters.ResponseType, null)));
        Assert.That(error.Error.Code, Is.EqualTo(Errors.InvalidRequest));
        Assert.That(error.State, Is.EqualTo("xyz"));
        Assert.That(error.RedirectUri, Is.EqualTo(Redirect));
    }

    [TestCase("token")]
    [TestCase("code id_token")]
    [TestCase("CODE")]
    [Requirement("RFC6749-3.1.1-response-type", "SPEC-3-response-type", "RFC9700-2.1.2-no-implicit")]
    public async Task Validate_OtherResponseType_RedirectsUnsupportedResponseType(string responseType) =>
        Assert.That((await RedirectedAsync(Request(overrides: (Parameters.ResponseType, responseType)))).Error.Code, Is.EqualTo(Errors.UnsupportedResponseType));

    [TestCase("READ")]
    [TestCase("user")]
    [TestCase("USER  SYSTEM_ADMIN")]
    [TestCase(" USER")]
    [Requirement("SPEC-3-scope", "SPEC-1-scopes", "RFC6749-3.3-scope-syntax")]
    public async Task Validate_UnknownOrMalformedScope_RedirectsInvalidScope(string scope) =>
        Assert.That((await RedirectedAsync(Request(overrides: (Parameters.Scope, scope)))).Error.Code, Is.EqualTo(Errors.InvalidScope));

    [Test]
    [Requirement("SPEC-3-scope", "SPEC-1-scope-within-client", "RFC9700-2.3-least-privilege")]
    public async Task Validate_ScopeBeyondClient_RedirectsInvalidScope() =>
        Assert.That((await RedirectedAsync(Request(Public, overrides: (Parameters.Scope, Scopes.SystemAdmin)))).Error.Code, Is.EqualTo(Errors.InvalidScope));

    [TestCase("USER", "USER")]
    [TestCase("SYSTEM_ADMIN USER", "USER SYSTEM_ADMIN")]
    [TestCase(null, "SYSTEM_ADMIN")]
    [Requirement("SPEC-1-scope-within-client", "SPEC-1-scopes", "SPEC-3-scope", "RFC6749-3.3-scope-default")]
    public async Task Validate_ScopeWithinClientAfterExpansion_ValidCanonical(string? scope, string expected) =>
        Assert.That((await ValidAsync(Request(overrides: (Parameters.Scope, scope)))).Scope, Is.EqualTo(expected));

    [TestCase("short")]
    [TestCase("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c")] // 42
    [TestCase("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c+")]
    [TestCase("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c=")]
    [Requirement("SPEC-3-pkce-challenge-format")]
    public async Task Validate_MalformedChallenge_RedirectsInvalidRequest(string challenge) =>
        Assert.That((await RedirectedAsync(Request(overrides: (Parameters.CodeChallenge, challenge)))).Error.Code, Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("SPEC-3-pkce-challenge-format")]
    public async Task Validate_ChallengeOf129Characters_RedirectsInvalidRequest() =>
        Assert.That((await RedirectedAsync(Request(overrides: (Parameters.CodeChallenge, new string('a', 129))))).Error.Code, Is.EqualTo(Errors.InvalidRequest));

    [TestCase("S256")]
    [TestCase("s256")]
    [Requirement("SPEC-3-pkce-method-case", "RFC7636-4.3-challenge-params")]
    public async Task Validate_S256InAnyCase_ValidAsS256(string method) =>
        Assert.That((await ValidAsync(Request(overrides: (Parameters.CodeChallengeMethod, method)))).CodeChallengeMethod, Is.EqualTo(CodeChallengeMethods.S256));

    [TestCase(null)]
    [TestCase("plain")]
    [Requirement("SPEC-3-pkce-plain-refused", "RFC9700-2.1.1-s256", "RFC7636-4.3-challenge-params")]
    public async Task Validate_PlainOrAbsentMethodByDefault_RedirectsInvalidRequest(string? method) =>
        Assert.That((await RedirectedAsync(Request(overrides: (Parameters.CodeChallengeMethod, method)))).Error.Code, Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("RFC7636-4.3-challenge-params", "SPEC-3-pkce-plain-refused")]
    public async Task Validate_AbsentMethodWithAllowPlainPkce_ValidAsPlain() =>
        Assert.That((await ValidAsync(Request(overrides: (Parameters.CodeChallengeMethod, null)), new OAuth2ProviderOptions { AllowPlainPkce = true })).CodeChallengeMethod,
            Is.EqualTo(CodeChallengeMethods.Plain));

    [TestCase("S512")]
    [TestCase("PLAIN")]
    [Requirement("RFC7636-4.4.1-unsupported-method")]
    public async Task Validate_UnknownMethod_RedirectsInvalidRequest(string method) =>
        Assert.That((await RedirectedAsync(Request(overrides: (Parameters.CodeChallengeMethod, method)), new OAuth2ProviderOptions { AllowPlainPkce = true })).Error.Code,
            Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("SPEC-3-pkce-method-without-challenge")]
    public async Task Validate_MethodWithoutChallenge_RedirectsInvalidRequest() =>
        Assert.That((await RedirectedAsync(Request(overrides: (Parameters.CodeChallenge, null)))).Error.Code, Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("SPEC-3-pkce-public-required", "RFC7636-4.4.1-missing-challenge", "RFC8252-8.1-native-pkce", "SPEC-1-client-types")]
    public async Task Validate_PublicClientWithoutChallenge_RedirectsInvalidRequest() =>
        Assert.That((await RedirectedAsync(Request(Public, overrides: [(Parameters.CodeChallenge, null), (Parameters.CodeChallengeMethod, null)]))).Error.Code,
            Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("SPEC-3-pkce-require-setting", "RFC7636-4.4.1-missing-challenge")]
    public async Task Validate_ConfidentialWithoutChallenge_ValidUnlessRequirePkce()
    {
        var request = Request(overrides: [(Parameters.CodeChallenge, null), (Parameters.CodeChallengeMethod, null)]);
        var valid = await ValidAsync(request);
        Assert.That(valid.CodeChallenge, Is.Null);
        Assert.That(valid.CodeChallengeMethod, Is.Null);
        Assert.That((await RedirectedAsync(request, new OAuth2ProviderOptions { RequirePkce = true })).Error.Code, Is.EqualTo(Errors.InvalidRequest));
    }

    [Test]
    [Requirement("SPEC-3-check-order")]
    public async Task Validate_UnknownClientAndBadResponseType_ErrorPageFirst() =>
        Assert.That((await PageErrorAsync(Request(overrides: [(Parameters.ClientId, "00000000000000000000000000000000"), (Parameters.ResponseType, "token")]))).Code,
            Is.EqualTo(Errors.InvalidClient));

    [Test]
    [Requirement("SPEC-3-check-order")]
    public async Task Validate_UnregisteredRedirectAndBadScope_ErrorPageFirst() =>
        Assert.That((await PageErrorAsync(Request(overrides: [(Parameters.RedirectUri, "https://evil.example/cb"), (Parameters.Scope, "NOPE")]))).Code,
            Is.EqualTo(Errors.InvalidRequest));

    [Test]
    [Requirement("SPEC-3-check-order")]
    public async Task Validate_RepeatedStateAndUnknownClient_RepeatReportedFirst() =>
        Assert.That((await PageErrorAsync(Request(repeated: Parameters.State, overrides: (Parameters.ClientId, "00000000000000000000000000000000")))).Description,
            Does.Contain(Parameters.State));

    [Test]
    [Requirement("SPEC-3-check-order")]
    public async Task Validate_BadResponseTypeAndBadScopeAndBadChallenge_UnsupportedResponseTypeFirst() =>
        Assert.That((await RedirectedAsync(Request(overrides: [(Parameters.ResponseType, "token"), (Parameters.Scope, "NOPE"), (Parameters.CodeChallenge, "x")]))).Error.Code,
            Is.EqualTo(Errors.UnsupportedResponseType));

    [Test]
    [Requirement("SPEC-3-check-order")]
    public async Task Validate_BadScopeAndBadChallenge_InvalidScopeFirst() =>
        Assert.That((await RedirectedAsync(Request(overrides: [(Parameters.Scope, "NOPE"), (Parameters.CodeChallenge, "x")]))).Error.Code,
            Is.EqualTo(Errors.InvalidScope));

    [Test]
    [Requirement("SPEC-3-check-order")]
    public async Task Validate_PublicClientBadScopeAndNoChallenge_InvalidScopeFirst() =>
        Assert.That((await RedirectedAsync(Request(Public, overrides: [(Parameters.Scope, Scopes.SystemAdmin), (Parameters.CodeChallenge, null), (Parameters.CodeChallengeMethod, null)]))).Error.Code,
            Is.EqualTo(Errors.InvalidScope));
}
