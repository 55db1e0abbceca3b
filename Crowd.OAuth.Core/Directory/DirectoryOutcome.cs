using FluentValidation.Results;

namespace Crowd.OAuth.Core.Directory;

/// <summary>
/// Why a directory request was refused (spec §7): general <see cref="Errors"/> and per-field
/// <see cref="FieldErrors"/>, keyed by the camelCase JSON field name.
/// </summary>
public sealed record DirectoryErrors(IReadOnlyList<string> Errors, IReadOnlyDictionary<string, IReadOnlyList<string>> FieldErrors)
{
    public static DirectoryErrors General(string message) => new([message], new Dictionary<string, IReadOnlyList<string>>());

    public static DirectoryErrors Field(string field, string message) =>
        new([], new Dictionary<string, IReadOnlyList<string>> { [field] = [message] });

    /// <summary>FluentValidation's failures, grouped by field ("Redirects[2]" counts as "redirects").</summary>
    public static DirectoryErrors From(ValidationResult result)
    {
        var fields = result.Errors
            .GroupBy(e => FieldName(e.PropertyName), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(e => e.ErrorMessage).Distinct().ToList(), StringComparer.Ordinal);
        return new([], fields);
    }

    /// <summary>Everything on one line, for the command line.</summary>
    public string OneLine() => string.Join("; ", Errors.Concat(FieldErrors.SelectMany(f => f.Value.Select(m => $"{f.Key}: {m}"))));

    private static string FieldName(string propertyName)
    {
        var bracket = propertyName.IndexOf('[', StringComparison.Ordinal);
        var name = bracket < 0 ? propertyName : propertyName[..bracket];
        return name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
    }
}

public enum DirectoryStatus { Done, NotFound, Invalid }

/// <summary>The result of a directory operation: a value, "no such thing", or the reasons for refusing.</summary>
public readonly struct DirectoryOutcome<T>
{
    private DirectoryOutcome(DirectoryStatus status, T? value, DirectoryErrors? errors)
    {
        Status = status;
        Value = value;
        Errors = errors;
    }

    public DirectoryStatus Status { get; }
    public T? Value { get; }
    public DirectoryErrors? Errors { get; }

    public static DirectoryOutcome<T> Success(T value) => new(DirectoryStatus.Done, value, null);
    public static DirectoryOutcome<T> NotFound() => new(DirectoryStatus.NotFound, default, null);
    public static DirectoryOutcome<T> Invalid(DirectoryErrors errors) => new(DirectoryStatus.Invalid, default, errors);
}
