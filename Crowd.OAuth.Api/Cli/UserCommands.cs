using Crowd.OAuth.Core.Directory;

namespace Crowd.OAuth.Api.Cli;

/// <summary><c>user add|deactivate|activate</c>: the operators' side of <see cref="UserService"/>.</summary>
internal static class UserCommands
{
    private const string Group = "user";
    private const string Admin = "--admin";
    private const string DisplayName = "--display-name";
    private const string Email = "--email";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output)
    {
        var users = services.GetRequiredService<UserService>();
        try
        {
            return args switch
            {
                ["add", .. var rest] => await AddAsync(users, rest, input, output),
                ["deactivate", .. var rest] => await SetActiveAsync(users, rest, active: false, output),
                ["activate", .. var rest] => await SetActiveAsync(users, rest, active: true, output),
                _ => CliOutput.UsageError(Group, "expected add, deactivate or activate"),
            };
        }
        catch (UsageException e)
        {
            return CliOutput.UsageError(Group, e.Message);
        }
    }

    /// <summary><c>user add &lt;username&gt; [--admin] [--display-name X] [--email X]</c>, the password one line on standard input.</summary>
    private static async Task<int> AddAsync(UserService users, string[] args, TextReader input, TextWriter output)
    {
        var parsed = CliArguments.Parse(args, new HashSet<string> { DisplayName, Email }, new HashSet<string> { Admin });
        var username = parsed.Positional(0, "<username>", 1);
        var password = await ReadPasswordAsync(input);
        if (password is null) return CliOutput.Fail("no password: give it as one line on standard input");

        var outcome = await users.CreateAsync(
            new CreateUserRequest(username, password, parsed.Has(Admin), parsed.One(DisplayName), parsed.One(Email)),
            CliOutput.Actor, CancellationToken.None);
        if (outcome.Status != DirectoryStatus.Done) return CliOutput.Fail(outcome.Errors!.OneLine());

        var user = outcome.Value!;
        await output.WriteLineAsync($"created {(user.IsAdmin ? "administrator" : "user")} {user.Username} ({user.Id})");
        return 0;
    }

    private static async Task<int> SetActiveAsync(UserService users, string[] args, bool active, TextWriter output)
    {
        var username = CliArguments.Parse(args, new HashSet<string>(), new HashSet<string>()).Positional(0, "<username>", 1);
        var outcome = active
            ? await users.ActivateAsync(username, CliOutput.Actor, CancellationToken.None)
            : await users.DeactivateAsync(username, CliOutput.Actor, CancellationToken.None);
        if (outcome.Status == DirectoryStatus.NotFound) return CliOutput.Fail($"no user {username}");

        await output.WriteLineAsync($"{(active ? "activated" : "deactivated")} {outcome.Value!.Username}");
        return 0;
    }

    /// <summary>One line from standard input; typed at a terminal, it is not echoed.</summary>
    private static async Task<string?> ReadPasswordAsync(TextReader input)
    {
        // Spec §9: the operator's password comes from standard input, never from the command line
        if (!ReferenceEquals(input, Console.In) || Console.IsInputRedirected) return await input.ReadLineAsync();

        Console.Error.Write("password: ");
        var typed = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (typed.Length > 0) typed.Length--; }
            else if (!char.IsControl(key.KeyChar)) typed.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return typed.ToString();
    }
}
