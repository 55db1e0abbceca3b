using FluentValidation;

namespace Crowd.OAuth.Core.Settings;

/// <summary>The settings of spec §8, bound from the <c>OAuth2Provider</c> section.</summary>
public sealed class OAuth2ProviderOptions
{
    public const string Section = "OAuth2Provider";

    public string BaseUrl { get; set; } = "";
    public int AccessTokenExpirationSeconds { get; set; } = 7200;
    public int RefreshTokenExpirationSeconds { get; set; } = 7_776_000;
    public int MaxClientDelaySeconds { get; set; } = 60;
    public bool SkipBaseUrlHttpsRequirement { get; set; }
    public bool SkipRedirectUrlHttpsRequirement { get; set; }
    public bool DisallowLocalhostRedirect { get; set; }
    public bool DevMode { get; set; }
    public bool TokenViaBasicAuthentication { get; set; } = true;
    public int PruneIntervalSeconds { get; set; } = 3600;
    public bool AllowPlainPkce { get; set; }
    public bool RequirePkce { get; set; }
    public bool RequireClientSecretWithPkce { get; set; }
    public int RefreshTokenReuseGraceSeconds { get; set; }

    /// <summary>How often each node re-reads the signing keys from the database (the bound on a rotation reaching it).</summary>
    public int SigningKeyRefreshSeconds { get; set; } = 30;

    /// <summary>Configured HS256 keys; when empty, keys are generated once and kept in the database.</summary>
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];

    /// <summary>The issuer (RFC 8414 §2, RFC 9207): BaseUrl without a trailing slash.</summary>
    public string Issuer => BaseUrl.TrimEnd('/');

    public bool HttpsBaseUrlRequired => !(SkipBaseUrlHttpsRequirement || DevMode);
    public bool HttpsRedirectRequired => !(SkipRedirectUrlHttpsRequirement || DevMode);

    /// <summary>
    /// Crowd's system property for each setting (spec §8), so a Crowd operator's habits carry over.
    /// Names without a dot belong to <c>atlassian.oauth2.provider.</c>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> CrowdPropertyNames = new Dictionary<string, string>
    {
        [nameof(BaseUrl)] = "crowd.base.url",
        [nameof(AccessTokenExpirationSeconds)] = "atlassian.oauth2.provider.access.token.expiration.seconds",
        [nameof(RefreshTokenExpirationSeconds)] = "atlassian.oauth2.provider.refresh.token.expiration.seconds",
        [nameof(MaxClientDelaySeconds)] = "atlassian.oauth2.provider.max.client.delay.seconds",
        [nameof(SkipBaseUrlHttpsRequirement)] = "atlassian.oauth2.provider.skip.base.url.https.requirement",
        [nameof(SkipRedirectUrlHttpsRequirement)] = "atlassian.oauth2.provider.skip.redirect.url.https.requirement",
        [nameof(DisallowLocalhostRedirect)] = "atlassian.oauth2.provider.disallow.localhost.redirect",
        [nameof(DevMode)] = "atlassian.dev.mode",
        [nameof(TokenViaBasicAuthentication)] = "atlassian.oauth2.provider.token.via.basic.authentication",
        [nameof(PruneIntervalSeconds)] = "atlassian.oauth2.provider.prune.expired.tokens.schedule",
    };
}

public sealed class SigningKeyOptions
{
    public string Kid { get; set; } = "";
    /// <summary>Base64 (standard or URL-safe) of at least 32 random bytes (RFC 7518 §3.2).</summary>
    public string Secret { get; set; } = "";
}

/// <summary>Checks settings at start; each failure is one line an operator can act on.</summary>
public sealed class OAuth2ProviderOptionsValidator : AbstractValidator<OAuth2ProviderOptions>
{
    public OAuth2ProviderOptionsValidator()
    {
        RuleFor(o => o.BaseUrl)
            .NotEmpty().WithMessage("OAuth2Provider:BaseUrl is required (the absolute URL clients use to reach this server)")
            .Must(BeAbsoluteHttpUrl).WithMessage("OAuth2Provider:BaseUrl must be an absolute http(s) URL without query or fragment");
        // RFC 9700 §2.6 / spec §8: production issuers are https; only the development settings relax it
        RuleFor(o => o.BaseUrl)
            .Must(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            .When(o => o.HttpsBaseUrlRequired && BeAbsoluteHttpUrl(o.BaseUrl))
            .WithMessage("OAuth2Provider:BaseUrl must use https (set SkipBaseUrlHttpsRequirement or DevMode only for development)");
        RuleFor(o => o.AccessTokenExpirationSeconds).InclusiveBetween(60, 31_536_000)
            .WithMessage("OAuth2Provider:AccessTokenExpirationSeconds must be between 60 and 31536000");
        RuleFor(o => o.RefreshTokenExpirationSeconds).InclusiveBetween(60, 315_360_000)
            .WithMessage("OAuth2Provider:RefreshTokenExpirationSeconds must be between 60 and 315360000");
        // RFC 6749 §4.1.2: a maximum code lifetime of 10 minutes is recommended
        RuleFor(o => o.MaxClientDelaySeconds).InclusiveBetween(1, 600)
            .WithMessage("OAuth2Provider:MaxClientDelaySeconds (code lifetime) must be between 1 and 600");
        RuleFor(o => o.PruneIntervalSeconds).InclusiveBetween(1, 604_800)
            .WithMessage("OAuth2Provider:PruneIntervalSeconds must be between 1 and 604800");
        RuleFor(o => o.RefreshTokenReuseGraceSeconds).InclusiveBetween(0, 300)
            .WithMessage("OAuth2Provider:RefreshTokenReuseGraceSeconds must be between 0 and 300");
        RuleFor(o => o.SigningKeyRefreshSeconds).InclusiveBetween(1, 3600)
            .WithMessage("OAuth2Provider:SigningKeyRefreshSeconds must be between 1 and 3600");
        RuleForEach(o => o.SigningKeys).ChildRules(key =>
        {
            key.RuleFor(k => k.Kid).Matches("^[A-Za-z0-9_-]{1,64}$")
                .WithMessage("OAuth2Provider:SigningKeys: each Kid is 1 to 64 characters of A-Z a-z 0-9 _ -");
            key.RuleFor(k => k.Secret).Must(s => Tokens.SigningKey.TryDecodeSecret(s, out _))
                .WithMessage("OAuth2Provider:SigningKeys: each Secret must be base64 of at least 32 bytes");
        });
    }

    private static bool BeAbsoluteHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
        && !value.Contains('#') && !value.Contains('?');
}
