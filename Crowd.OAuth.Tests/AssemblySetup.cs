using Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// Sets the test database up once for the whole assembly: NUnit applies a SetUpFixture to its
/// namespace, and this one has none.
/// </summary>
[SetUpFixture]
#pragma warning disable CA1050 // deliberately outside any namespace
public sealed class AssemblySetup
#pragma warning restore CA1050
{
    [OneTimeSetUp]
    public Task StartAsync() => TestDatabase.StartAsync();

    [OneTimeTearDown]
    public Task StopAsync() => TestDatabase.StopAsync();
}
