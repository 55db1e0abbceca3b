namespace Crowd.OAuth.Api.Cli;

/// <summary>Thrown for a malformed command line; the message is the one line to print.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A command's arguments: positionals, <c>--option value</c> (or <c>--option=value</c>, repeatable)
/// and <c>--flag</c>. Anything not declared is a usage error.
/// </summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    public static CliArguments Parse(IEnumerable<string> args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flags)
    {
        var result = new CliArguments();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                result.Positionals.Add(arg);
                continue;
            }
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? arg : arg[..eq];
            if (flags.Contains(name) && eq < 0)
            {
                result._flags.Add(name);
            }
            else if (valueOptions.Contains(name))
            {
                string value;
                if (eq >= 0) value = arg[(eq + 1)..];
                else if (e.MoveNext()) value = e.Current;
                else throw new UsageException($"{name} needs a value");
                if (!result._options.TryGetValue(name, out var values)) result._options[name] = values = [];
                values.Add(value);
            }
            else
            {
                throw new UsageException($"unknown option {name}");
            }
        }
        return result;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public IReadOnlyList<string> All(string option) => _options.TryGetValue(option, out var values) ? values : [];

    /// <summary>The option's value, null when absent; given twice is a usage error.</summary>
    public string? One(string option) => All(option) switch
    {
        [] => null,
        [var single] => single,
        _ => throw new UsageException($"{option} may be given only once"),
    };

    public void ExpectNoPositionals()
    {
        if (Positionals.Count > 0) throw new UsageException($"unexpected argument {Positionals[0]}");
    }

    public string Positional(int index, string what, int count)
    {
        if (Positionals.Count != count) throw new UsageException(Positionals.Count < count ? $"missing {what}" : $"unexpected argument {Positionals[^1]}");
        return Positionals[index];
    }
}

/// <summary>How every command reports: one line on standard error and a non-zero exit code.</summary>
internal static class CliOutput
{
    public const int Failed = 1;
    public const int Usage = 64; // EX_USAGE

    public static int Fail(string message)
    {
        Console.Error.WriteLine($"crowd-oauth: {OneLine(message)}");
        return Failed;
    }

    public static int UsageError(string group, string message)
    {
        Console.Error.WriteLine($"crowd-oauth {group}: {OneLine(message)} (see: crowd-oauth help)");
        return Usage;
    }

    /// <summary>Who the audit log names for the command line: the operating-system account.</summary>
    public static Core.Directory.Actor Actor => new($"cli:{Environment.UserName}");

    private static string OneLine(string message) => string.Concat(message.Select(c => char.IsControl(c) ? ' ' : c));
}
