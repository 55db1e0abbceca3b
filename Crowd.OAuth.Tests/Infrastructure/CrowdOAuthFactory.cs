using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// The server in process (WebApplicationFactory) on the real test database, with production
/// defaults unless a test overrides a setting. <c>BaseUrl</c> is https://crowd.example.test.
/// </summary>
public sealed class CrowdOAuthFactory(IDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public const string BaseUrl = "https://crowd.example.test";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:CrowdOAuth", TestDatabase.ConnectionString);
        builder.UseSetting("OAuth2Provider:BaseUrl", BaseUrl);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
    }

    /// <summary>A client that follows no redirect and keeps no cookies unless asked.</summary>
    public HttpClient CreateHttpClient(bool handleCookies = false) => CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = handleCookies,
        BaseAddress = new Uri("http://localhost"),
    });
}
