using Crowd.OAuth.Api.Cli;
using Crowd.OAuth.Api.Hosting;

// The operators' command line (user, client, key, purge, dev-seed) or the web server.
if (CommandLine.IsCommand(args)) return await CommandLine.RunAsync(args);
return await Server.RunAsync(args);

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
