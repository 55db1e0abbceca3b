namespace Crowd.OAuth.Core.Protocol;

/// <summary>One scope of the catalogue, with what the consent page shows.</summary>
public sealed record ScopeDefinition(string Name, string Title, string Description, IReadOnlyList<string> Includes);

/// <summary>Crowd's scope catalogue (spec §1): USER, and SYSTEM_ADMIN which includes USER.</summary>
public static class Scopes
{
    public const string User = "USER";
    public const string SystemAdmin = "SYSTEM_ADMIN";

    public static readonly IReadOnlyList<ScopeDefinition> Catalogue =
    [
        new(User, "Act on your behalf", "Read and change your own account and resources as you.", []),
        new(SystemAdmin, "Administer the server", "Perform system administration with your administrator rights.", [User]),
    ];

    public static ScopeDefinition? Find(string name) => Catalogue.FirstOrDefault(s => s.Name == name);

    /// <summary>
    /// Parses a space-separated scope string (RFC 6749 §3.3). Null when a name is unknown or the
    /// string is malformed. Duplicates are folded; the result is in catalogue order.
    /// </summary>
    public static IReadOnlySet<string>? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in value.Split(' '))
        {
            // RFC 6749 §3.3: scope tokens are separated by single spaces; an empty token is malformed
            if (part.Length == 0 || Find(part) is null) return null;
            names.Add(part);
        }
        return names;
    }

    /// <summary>The names plus everything they include (SYSTEM_ADMIN brings USER).</summary>
    public static IReadOnlySet<string> Expand(IEnumerable<string> names)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(names);
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (!result.Add(name)) continue;
            foreach (var included in Find(name)?.Includes ?? []) pending.Push(included);
        }
        return result;
    }

    /// <summary>True when every requested scope lies within what <paramref name="allowed"/> grants after expansion.</summary>
    public static bool IsWithin(IEnumerable<string> requested, IEnumerable<string> allowed)
    {
        var granted = Expand(allowed);
        return requested.All(granted.Contains);
    }

    /// <summary>True when a token with <paramref name="held"/> may do what <paramref name="needed"/> requires.</summary>
    public static bool Satisfies(string held, string needed) =>
        Parse(held) is { } names && Expand(names).Contains(needed);

    /// <summary>The canonical string: catalogue order, single spaces.</summary>
    public static string Format(IEnumerable<string> names)
    {
        var set = names as IReadOnlySet<string> ?? names.ToHashSet(StringComparer.Ordinal);
        return string.Join(' ', Catalogue.Where(s => set.Contains(s.Name)).Select(s => s.Name));
    }
}
