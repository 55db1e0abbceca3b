using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Throttling;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>Reads and checks the settings of spec §8 before anything else starts.</summary>
public static class Settings
{
    public const string ConnectionStringName = "CrowdOAuth";

    /// <summary>
    /// Adds the configuration sources: <c>CROWDOAUTH_</c> environment variables, Java-style
    /// <c>-Dname=value</c> arguments, and each setting's Crowd property name (spec §8).
    /// The <c>OAuth2Provider:</c> name wins when both are given.
    /// </summary>
    public static void AddCrowdConfiguration(this IConfigurationManager configuration, string[] args)
    {
        configuration.AddEnvironmentVariables("CROWDOAUTH_");
        var systemProperties = args
            .Where(a => a.StartsWith("-D", StringComparison.Ordinal) && a.Contains('='))
            .Select(a => a[2..].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => (string?)kv[1]);
        if (systemProperties.Count > 0) configuration.AddInMemoryCollection(systemProperties);

        var aliases = new Dictionary<string, string?>();
        foreach (var (setting, crowdName) in OAuth2ProviderOptions.CrowdPropertyNames)
        {
            var key = $"{OAuth2ProviderOptions.Section}:{setting}";
            if (configuration[key] is null && configuration[crowdName] is { } value) aliases[key] = value;
        }
        if (aliases.Count > 0) configuration.AddInMemoryCollection(aliases);
    }

    /// <summary>The bound settings, or one line saying what is wrong.</summary>
    public static (OAuth2ProviderOptions? Options, string? Error) Load(IConfiguration configuration)
    {
        var options = new OAuth2ProviderOptions();
        try
        {
            configuration.GetSection(OAuth2ProviderOptions.Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            return (null, $"invalid setting: {e.Message}");
        }
        var result = new OAuth2ProviderOptionsValidator().Validate(options);
        return result.IsValid ? (options, null) : (null, string.Join("; ", result.Errors.Select(e => e.ErrorMessage).Distinct()));
    }

    /// <summary>The throttling settings (<c>OAuth2Provider:Throttling</c>), or one line saying what is wrong.</summary>
    public static (ThrottlingOptions? Options, string? Error) LoadThrottling(IConfiguration configuration)
    {
        var options = new ThrottlingOptions();
        try
        {
            configuration.GetSection(ThrottlingOptions.Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            return (null, $"invalid setting: {e.Message}");
        }
        var result = new ThrottlingOptionsValidator().Validate(options);
        return result.IsValid ? (options, null) : (null, string.Join("; ", result.Errors.Select(e => e.ErrorMessage).Distinct()));
    }

    public static string? ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value ? value : null;
}
