using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Data;
using Npgsql;

namespace Crowd.OAuth.Api.Cli;

/// <summary>
/// The operators' command line: <c>dotnet Crowd.OAuth.Api.dll &lt;command&gt; …</c>, or <c>scripts/crowd-oauth &lt;command&gt; …</c>.
/// It reads the same settings as the server and uses the same Core services as the REST API.
/// </summary>
public static class CommandLine
{
    private static readonly Dictionary<string, Func<IServiceProvider, string[], TextReader, TextWriter, Task<int>>> Commands = new()
    {
        ["dev-seed"] = DevSeed.RunAsync,
        ["user"] = UserCommands.RunAsync,
        ["client"] = ClientCommands.RunAsync,
        ["key"] = KeyCommands.RunAsync,
        ["purge"] = PurgeCommand.RunAsync,
    };

    public static bool IsCommand(string[] args) => args.Length > 0 && (Commands.ContainsKey(args[0]) || args[0] is "help" or "--help");

    public static async Task<int> RunAsync(string[] args)
    {
        if (args[0] is "help" or "--help")
        {
            Console.WriteLine(Usage);
            return 0;
        }
        var configuration = new ConfigurationManager();
        configuration.AddJsonFile("appsettings.json", optional: true);
        configuration.AddCrowdConfiguration(args);
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddCrowdOAuthCore()
            .BuildServiceProvider();
        try
        {
            var dataSource = services.GetRequiredService<NpgsqlDataSource>();
            if (SchemaVersion.Describe(await SchemaVersion.GetAppliedAsync(dataSource, CancellationToken.None)) is { } problem)
            {
                throw new StartupException(problem);
            }
            var rest = args.Skip(1).Where(a => !a.StartsWith("-D", StringComparison.Ordinal)).ToArray();
            return await Commands[args[0]](services, rest, Console.In, Console.Out);
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"crowd-oauth: {e.Message}");
            return 2;
        }
        catch (Exception e) when (Database.IsUnavailable(e) || e is NpgsqlException)
        {
            Console.Error.WriteLine($"crowd-oauth: the database does not answer ({e.Message.Split('\n')[0]})");
            return 3;
        }
        finally
        {
            await services.DisposeAsync();
        }
    }

    public const string Usage = """
        usage: crowd-oauth <command> [arguments]

          user add <username> [--admin] [--display-name X] [--email X]
                                          create a user; the password is one line on standard input
          user deactivate <username>      the user can no longer log in, and their tokens stop working
          user activate <username>        undo deactivate

          client add --name X --redirect URI [--redirect URI ...] [--scope USER|SYSTEM_ADMIN]
                     [--public] [--introspect]
                                          register a client (scope USER unless given); prints its
                                          clientId and, for a confidential client, its secret once
          client list                     the registered clients (never a secret)
          client reset-secret <clientId>  a new secret, printed once; existing tokens stay valid
          client delete <id|clientId>     delete a client with all its codes, grants and tokens

          key list                        the signing keys that verify tokens (never the key material)
          key add [--activate]            a new 256-bit HS256 key; --activate makes it sign new tokens
          key activate <kid>              make this key sign new tokens (the old one keeps verifying)
          key retire <kid>                tokens signed with this key stop working (not the active key)
          purge                           delete expired codes and tokens and dead grants now

          dev-seed <credentials-file>     create the development administrator and client if absent
                                          (the run command calls this; credentials kept in the file)
        """;
}
