using Crowd.OAuth.Api.Hosting;
using Microsoft.Extensions.Configuration;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Foundation;

public sealed class SettingsTests
{
    private static (Crowd.OAuth.Core.Settings.OAuth2ProviderOptions? Options, string? Error) Load(Dictionary<string, string?> values, params string[] args)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(values);
        configuration.AddCrowdConfiguration(args);
        return Settings.Load(configuration);
    }

    [Test]
    [Requirement("SPEC-8-defaults")]
    public void Load_HttpsBaseUrl_UsesSpecDefaults()
    {
        var (options, error) = Load(new() { ["OAuth2Provider:BaseUrl"] = "https://crowd.example.com/" });

        Assert.That(error, Is.Null);
        Assert.That(options!.Issuer, Is.EqualTo("https://crowd.example.com"));
        Assert.That(options.AccessTokenExpirationSeconds, Is.EqualTo(7200));
        Assert.That(options.RefreshTokenExpirationSeconds, Is.EqualTo(7_776_000));
        Assert.That(options.MaxClientDelaySeconds, Is.EqualTo(60));
        Assert.That(options.TokenViaBasicAuthentication, Is.True);
        Assert.That(options.AllowPlainPkce || options.RequirePkce || options.RequireClientSecretWithPkce, Is.False);
        Assert.That(options.RefreshTokenReuseGraceSeconds, Is.Zero);
    }

    [Test]
    public void Load_NoBaseUrl_FailsNamingTheSetting()
    {
        var (options, error) = Load(new());

        Assert.That(options, Is.Null);
        Assert.That(error, Does.Contain("OAuth2Provider:BaseUrl is required"));
    }

    [Test]
    [Requirement("SPEC-8-https-base-url", "RFC6749-3.1-tls")]
    public void Load_HttpBaseUrlInProduction_FailsWithTheHttpsRule()
    {
        var (options, error) = Load(new() { ["OAuth2Provider:BaseUrl"] = "http://crowd.example.com" });

        Assert.That(options, Is.Null);
        Assert.That(error, Does.Contain("must use https"));
    }

    [TestCase("OAuth2Provider:DevMode")]
    [TestCase("OAuth2Provider:SkipBaseUrlHttpsRequirement")]
    [TestCase("atlassian.dev.mode")]
    [TestCase("atlassian.oauth2.provider.skip.base.url.https.requirement")]
    [Requirement("SPEC-8-https-base-url", "RFC6749-3.1-tls")]
    public void Load_HttpBaseUrlWithDevelopmentSetting_IsAccepted(string key)
    {
        var (options, error) = Load(new() { ["OAuth2Provider:BaseUrl"] = "http://127.0.0.1:8080", [key] = "true" });

        Assert.That(error, Is.Null);
        Assert.That(options!.HttpsBaseUrlRequired, Is.False);
    }

    [Test]
    [Requirement("SPEC-8-crowd-names")]
    public void Load_CrowdPropertyNames_SetTheSettings()
    {
        var (options, error) = Load(new()
        {
            ["crowd.base.url"] = "https://crowd.example.com",
            ["atlassian.oauth2.provider.access.token.expiration.seconds"] = "600",
            ["atlassian.oauth2.provider.refresh.token.expiration.seconds"] = "86400",
            ["atlassian.oauth2.provider.max.client.delay.seconds"] = "30",
            ["atlassian.oauth2.provider.skip.redirect.url.https.requirement"] = "true",
            ["atlassian.oauth2.provider.disallow.localhost.redirect"] = "true",
            ["atlassian.oauth2.provider.token.via.basic.authentication"] = "false",
            ["atlassian.oauth2.provider.prune.expired.tokens.schedule"] = "120",
        });

        Assert.That(error, Is.Null);
        Assert.That(options!.BaseUrl, Is.EqualTo("https://crowd.example.com"));
        Assert.That(options.AccessTokenExpirationSeconds, Is.EqualTo(600));
        Assert.That(options.RefreshTokenExpirationSeconds, Is.EqualTo(86400));
        Assert.That(options.MaxClientDelaySeconds, Is.EqualTo(30));
        Assert.That(options.SkipRedirectUrlHttpsRequirement, Is.True);
        Assert.That(options.DisallowLocalhostRedirect, Is.True);
        Assert.That(options.TokenViaBasicAuthentication, Is.False);
        Assert.That(options.PruneIntervalSeconds, Is.EqualTo(120));
    }

    [Test]
    [Requirement("SPEC-8-crowd-names")]
    public void Load_JavaStyleSystemProperty_IsRead()
    {
        var (options, error) = Load(new() { ["OAuth2Provider:BaseUrl"] = "https://crowd.example.com" },
            "-Datlassian.oauth2.provider.access.token.expiration.seconds=900");

        Assert.That(error, Is.Null);
        Assert.That(options!.AccessTokenExpirationSeconds, Is.EqualTo(900));
    }

    [Test]
    public void Load_BothNamesGiven_OAuth2ProviderNameWins()
    {
        var (options, _) = Load(new()
        {
            ["OAuth2Provider:BaseUrl"] = "https://crowd.example.com",
            ["OAuth2Provider:AccessTokenExpirationSeconds"] = "300",
            ["atlassian.oauth2.provider.access.token.expiration.seconds"] = "900",
        });

        Assert.That(options!.AccessTokenExpirationSeconds, Is.EqualTo(300));
    }

    [TestCase("OAuth2Provider:MaxClientDelaySeconds", "601", "MaxClientDelaySeconds")]
    [TestCase("OAuth2Provider:AccessTokenExpirationSeconds", "0", "AccessTokenExpirationSeconds")]
    [TestCase("OAuth2Provider:AccessTokenExpirationSeconds", "soon", "AccessTokenExpirationSeconds")]
    [TestCase("OAuth2Provider:RefreshTokenReuseGraceSeconds", "-1", "RefreshTokenReuseGraceSeconds")]
    [TestCase("OAuth2Provider:SigningKeys:0:Kid", "bad kid!", "SigningKeys")]
    [Requirement("SPEC-8-defaults")]
    public void Load_OutOfRangeValue_FailsNamingTheSetting(string key, string value, string named)
    {
        var (options, error) = Load(new() { ["OAuth2Provider:BaseUrl"] = "https://crowd.example.com", [key] = value });

        Assert.That(options, Is.Null);
        Assert.That(error, Does.Contain(named));
    }

    [TestCase("https://crowd.example.com/?x=1")]
    [TestCase("https://crowd.example.com/#top")]
    [TestCase("crowd.example.com")]
    [TestCase("ftp://crowd.example.com")]
    public void Load_BaseUrlNotAPlainAbsoluteUrl_Fails(string baseUrl)
    {
        var (options, error) = Load(new() { ["OAuth2Provider:BaseUrl"] = baseUrl });

        Assert.That(options, Is.Null);
        Assert.That(error, Does.Contain("BaseUrl"));
    }
}
