using Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// Tears the test database down once for the whole assembly: NUnit applies a SetUpFixture to its
/// namespace, and this one has none. The database starts on first use (TestDatabase), so tests that
/// need none, such as Category=Traceability, run without CROWD_OAUTH_TEST_DB or Docker.
/// </summary>
[SetUpFixture]
#pragma warning disable CA1050 // deliberately outside any namespace
public sealed class AssemblySetup
#pragma warning restore CA1050
{
    [OneTimeTearDown]
    public Task StopAsync() => TestDatabase.StopAsync();
}
