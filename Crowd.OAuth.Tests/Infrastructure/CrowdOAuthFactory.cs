using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// The server in process (WebApplicationFactory) on the real test database, with production
/// defaults unless a test overrides a setting. <c>BaseUrl</c> is https://crowd.example.test.
/// </summary>
public sealed class CrowdOAuthFactory(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public const string BaseUrl = "https://crowd.example.test";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:CrowdOAuth", TestDatabase.ConnectionString);
        builder.UseSetting("OAuth2Provider:BaseUrl", BaseUrl);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
        if (services is not null) builder.ConfigureTestServices(services);
    }

    /// <summary>A client that follows no redirect and keeps no cookies unless asked.</summary>
    public HttpClient CreateHttpClient(bool handleCookies = false) => CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = handleCookies,
        BaseAddress = new Uri("http://localhost"),
    });
}

/// <summary>A factory and a protocol client over it, for a fixture.</summary>
public sealed class TokenHarness : IAsyncDisposable
{
    public TokenHarness(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Factory = new CrowdOAuthFactory(settings, services);
        Client = new OAuthTestClient(Factory.CreateHttpClient(), Factory.Services);
    }

    /// <summary>A harness whose clock the test moves (FakeTimeProvider): expiry without waiting.</summary>
    public static TokenHarness WithClock(TimeProvider clock, IDictionary<string, string?>? settings = null) =>
        new(settings, s => s.AddSingleton(clock));

    public CrowdOAuthFactory Factory { get; }
    public OAuthTestClient Client { get; }

    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}
