using Microsoft.Playwright;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright: never a downloaded browser. The flags keep it off the
/// network it cannot reach here (background services, updates, sync, QUIC).
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = ExecutablePath,
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
}

/// <summary>A fixture with one in-process server (production defaults) and a protocol client over it.</summary>
public abstract class TokenHarnessFixture
{
    private TokenHarness? _harness;

    protected TokenHarness Harness => _harness ?? throw new InvalidOperationException("the fixture has not started");
    protected OAuthTestClient Api => Harness.Client;

    [OneTimeSetUp]
    public void StartHarness() => _harness = new TokenHarness();

    [OneTimeTearDown]
    public async Task StopHarnessAsync()
    {
        if (_harness is not null) await _harness.DisposeAsync();
    }
}
