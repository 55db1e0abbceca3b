using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Crowd.OAuth.Tests.Infrastructure;
using NUnit.Framework.Interfaces;

namespace Crowd.OAuth.Tests.Traceability;

public enum RequirementLevel
{
    Must,
    Should,
    May,
    Crowd,
}

/// <summary>One row of the table in docs/requirements.md.</summary>
public sealed record Requirement(string Id, string Source, string Section, RequirementLevel Level, string Text, int Line)
{
    /// <summary>MUST and Crowd rows fail the check without a citation and a test; SHOULD and MAY rows are only reported.</summary>
    public bool IsMandatory => Level is RequirementLevel.Must or RequirementLevel.Crowd;

    public string LevelName => Level switch
    {
        RequirementLevel.Must => "MUST",
        RequirementLevel.Should => "SHOULD",
        RequirementLevel.May => "MAY",
        _ => "Crowd",
    };
}

/// <summary>A <c>// RFC 7636 §4.6: …</c> or <c>// Spec §4: …</c> comment: which section it cites and where it is.</summary>
public sealed record Citation(string Source, string Section, string Path, int Line)
{
    public string Location => $"{Path}:{Line}";
}

/// <summary>A test (<c>Class.Method</c>) that carries <c>[Requirement(id)]</c>, on itself or on its fixture.</summary>
public sealed record TestMarker(string Test, string RequirementId);

public sealed class RequirementsFormatException(IReadOnlyList<string> problems)
    : Exception("docs/requirements.md is malformed:\n" + string.Join('\n', problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Reads the first table of docs/requirements.md, and nothing else.</summary>
public static partial class RequirementsParser
{
    public static readonly string[] Columns = ["id", "source", "section", "level", "requirement"];

    [GeneratedRegex(@"^(?:RFC\d+|SPEC)-\d+(?:\.\d+)*-[a-z0-9]+(?:-[a-z0-9]+)*$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^(?:RFC [1-9]\d*|Spec)$")]
    private static partial Regex SourcePattern();

    [GeneratedRegex(@"^\d+(?:\.\d+)*$")]
    private static partial Regex SectionPattern();

    [GeneratedRegex(@"^:?-{3,}:?$")]
    private static partial Regex SeparatorCell();

    public static IReadOnlyList<Requirement> Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var problems = new List<string>();
        var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith('|'));
        if (start < 0) throw new RequirementsFormatException(["no table found"]);

        var header = Cells(lines[start]);
        if (!header.SequenceEqual(Columns))
        {
            throw new RequirementsFormatException([$"line {start + 1}: the first table's header must be | {string.Join(" | ", Columns)} |"]);
        }
        if (start + 1 >= lines.Length || Cells(lines[start + 1]) is var sep && (sep.Count != Columns.Length || !sep.All(c => SeparatorCell().IsMatch(c))))
        {
            throw new RequirementsFormatException([$"line {start + 2}: the header must be followed by a |---| separator row of {Columns.Length} cells"]);
        }

        var requirements = new List<Requirement>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = start + 2; i < lines.Length && lines[i].TrimStart().StartsWith('|'); i++)
        {
            var lineNo = i + 1;
            var cells = Cells(lines[i]);
            if (cells.Count != Columns.Length)
            {
                problems.Add($"line {lineNo}: {cells.Count} cells, expected {Columns.Length}: {lines[i].Trim()}");
                continue;
            }
            var (id, source, section, level, text) = (cells[0], cells[1], cells[2], cells[3], cells[4]);
            var where = $"line {lineNo} ({(id.Length > 0 ? id : "no id")})";
            var ok = true;
            if (!IdPattern().IsMatch(id))
            {
                problems.Add($"{where}: id must look like RFC7636-4.6-verifier-match or SPEC-4-refresh-rotation");
                ok = false;
            }
            if (!SourcePattern().IsMatch(source))
            {
                problems.Add($"{where}: source '{source}' must be 'RFC <number>' or 'Spec'");
                ok = false;
            }
            if (!SectionPattern().IsMatch(section))
            {
                problems.Add($"{where}: section '{section}' must be numbers separated by dots, without §");
                ok = false;
            }
            RequirementLevel? parsed = level switch
            {
                "MUST" => RequirementLevel.Must,
                "SHOULD" => RequirementLevel.Should,
                "MAY" => RequirementLevel.May,
                "Crowd" => RequirementLevel.Crowd,
                _ => null,
            };
            if (parsed is null)
            {
                problems.Add($"{where}: unknown level '{level}' (MUST, SHOULD, MAY or Crowd)");
                ok = false;
            }
            if (text.Length == 0)
            {
                problems.Add($"{where}: the requirement is empty");
                ok = false;
            }
            if (ok && !id.StartsWith(IdPrefix(source, section), StringComparison.Ordinal))
            {
                problems.Add($"{where}: id must start with {IdPrefix(source, section)} to match its source and section");
                ok = false;
            }
            if (seen.TryGetValue(id, out var first))
            {
                problems.Add($"{where}: duplicate id {id}, first on line {first}");
                continue;
            }
            seen[id] = lineNo;
            if (ok) requirements.Add(new Requirement(id, source, section, parsed!.Value, text, lineNo));
        }

        if (problems.Count > 0) throw new RequirementsFormatException(problems);
        if (requirements.Count == 0) throw new RequirementsFormatException(["the requirements table has no rows"]);
        return requirements;
    }

    public static string IdPrefix(string source, string section) =>
        (source == "Spec" ? "SPEC" : source.Replace(" ", "", StringComparison.Ordinal)) + "-" + section + "-";

    /// <summary>The cells of a table row; <c>\|</c> is a literal bar inside a cell.</summary>
    private static List<string> Cells(string line)
    {
        var row = line.Trim();
        if (row.StartsWith('|')) row = row[1..];
        if (row.EndsWith('|') && !row.EndsWith("\\|", StringComparison.Ordinal)) row = row[..^1];
        var cells = new List<string>();
        var cell = new StringBuilder();
        for (var i = 0; i < row.Length; i++)
        {
            if (row[i] == '\\' && i + 1 < row.Length && row[i + 1] == '|')
            {
                cell.Append('|');
                i++;
            }
            else if (row[i] == '|')
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else
            {
                cell.Append(row[i]);
            }
        }
        cells.Add(cell.ToString().Trim());
        return cells;
    }
}

/// <summary>
/// Finds citation comments: <c>//</c>, then one or more "source §section" joined by <c>,</c>, <c>and</c>, <c>/</c> or
/// <c>&amp;</c> (a bare <c>§5.2</c> keeps the previous source), then a colon. <c>RFC 6749 §5.2 and RFC 6750 §3.1:</c>,
/// <c>RFC 7636 §4.1, §4.2:</c> and <c>RFC 9700 §2.6 / Spec §8:</c> each cite two sections. A mention in prose
/// (no colon, or not at the start of the comment) is not a citation.
/// </summary>
public static partial class CitationScanner
{
    public static readonly string[] Projects = ["Crowd.OAuth.Core", "Crowd.OAuth.Data", "Crowd.OAuth.Api"];

    private const string Source = @"(?:RFC\s?\d+|Spec)";
    private const string Section = @"§\s*\d+(?:\.\d+)*";

    [GeneratedRegex(@"//+\s*(?<list>" + Source + @"\s*" + Section + @"(?:\s*(?:,|/|&|\band\b)\s*(?:" + Source + @"\s*)?" + Section + @")*)\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex CitationComment();

    [GeneratedRegex(@"(?:(?<source>" + Source + @")\s*)?§\s*(?<section>\d+(?:\.\d+)*)", RegexOptions.IgnoreCase)]
    private static partial Regex Item();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();

    public static IReadOnlyList<Citation> Scan(string path, string text)
    {
        var citations = new List<Citation>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (Match comment in CitationComment().Matches(lines[i]))
            {
                string? source = null;
                foreach (Match item in Item().Matches(comment.Groups["list"].Value))
                {
                    if (item.Groups["source"].Success) source = Normalise(item.Groups["source"].Value);
                    citations.Add(new Citation(source!, item.Groups["section"].Value, path, i + 1));
                }
            }
        }
        return citations;
    }

    /// <summary>Every *.cs under the given project folders of <paramref name="root"/>, bin and obj skipped; paths relative to root.</summary>
    public static IReadOnlyList<Citation> ScanProjects(string root, IEnumerable<string> projects)
    {
        var citations = new List<Citation>();
        foreach (var project in projects)
        {
            var dir = System.IO.Path.Combine(root, project);
            if (!Directory.Exists(dir)) continue;
            var files = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
                .Select(f => System.IO.Path.GetRelativePath(root, f).Replace('\\', '/'))
                .Where(f => !f.Split('/').Any(part => part is "bin" or "obj"))
                .Order(StringComparer.Ordinal);
            foreach (var file in files) citations.AddRange(Scan(file, File.ReadAllText(System.IO.Path.Combine(root, file))));
        }
        return citations;
    }

    private static string Normalise(string source) =>
        source.StartsWith("spec", StringComparison.OrdinalIgnoreCase) ? "Spec" : "RFC " + Number().Match(source).Value;
}

/// <summary>Reads <see cref="RequirementAttribute"/> (NUnit property "Requirement") from test methods and fixtures.</summary>
public static class TestMarkers
{
    /// <summary>The classes NUnit can run as fixtures: concrete or static classes (abstract ones only lend tests to subclasses).</summary>
    public static IEnumerable<Type> Fixtures(Assembly assembly) =>
        assembly.GetTypes().Where(t => t.IsClass && !t.IsGenericTypeDefinition && (!t.IsAbstract || t.IsSealed));

    /// <summary>
    /// Every (test, id) pair: a test method is one with [Test], [TestCase], [TestCaseSource], [Theory] or any other NUnit
    /// test builder; its ids are its own markers plus its fixture's. Tests are named Class.Method.
    /// </summary>
    public static IReadOnlyList<TestMarker> Read(IEnumerable<Type> fixtures)
    {
        var markers = new List<TestMarker>();
        foreach (var type in fixtures)
        {
            var fixtureIds = Ids(type);
            var methods = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
                .Where(IsTest)
                .OrderBy(m => m.Name, StringComparer.Ordinal);
            foreach (var method in methods)
            {
                foreach (var id in fixtureIds.Concat(Ids(method)).Distinct(StringComparer.Ordinal))
                {
                    markers.Add(new TestMarker($"{type.Name}.{method.Name}", id));
                }
            }
        }
        return markers.Distinct().ToList();
    }

    private static bool IsTest(MethodInfo method) =>
        method.GetCustomAttributes(inherit: true).Any(a => a is ISimpleTestBuilder or ITestBuilder);

    private static IEnumerable<string> Ids(MemberInfo member) =>
        member.GetCustomAttributes(inherit: true)
            .OfType<PropertyAttribute>()
            .Where(p => p.Properties.ContainsKey(RequirementAttribute.PropertyName))
            .SelectMany(p => p.Properties[RequirementAttribute.PropertyName].Cast<object>())
            .Select(v => v.ToString() ?? "");
}

public sealed record RequirementTrace(Requirement Requirement, IReadOnlyList<Citation> Citations, IReadOnlyList<string> Tests)
{
    public bool Complete => Citations.Count > 0 && Tests.Count > 0;
}

public sealed record TraceabilityReport(
    IReadOnlyList<RequirementTrace> Traces,
    IReadOnlyList<Citation> UnknownCitations,
    IReadOnlyList<TestMarker> UnknownMarkers,
    IReadOnlyList<string> Problems);

/// <summary>Joins requirements, citations and markers, and decides what fails.</summary>
public static class TraceabilityCheck
{
    public static TraceabilityReport Run(IReadOnlyList<Requirement> requirements, IReadOnlyList<Citation> citations, IReadOnlyList<TestMarker> markers)
    {
        var problems = new List<string>();
        var bySection = citations.ToLookup(c => (c.Source, c.Section));
        var byId = markers.ToLookup(m => m.RequirementId, StringComparer.Ordinal);
        var known = requirements.Select(r => (r.Source, r.Section)).ToHashSet();
        var ids = requirements.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

        var traces = new List<RequirementTrace>();
        foreach (var r in requirements)
        {
            var trace = new RequirementTrace(r,
                bySection[(r.Source, r.Section)].ToList(),
                byId[r.Id].Select(m => m.Test).Distinct().Order(StringComparer.Ordinal).ToList());
            traces.Add(trace);
            if (!r.IsMandatory) continue;
            var what = $"{r.Id} ({r.LevelName}, {r.Source} §{r.Section})";
            if (trace.Citations.Count == 0)
            {
                problems.Add($"{what}: no citation '// {r.Source} §{r.Section}: …' in {string.Join(", ", CitationScanner.Projects)}");
            }
            if (trace.Tests.Count == 0)
            {
                problems.Add($"{what}: no test carries [Requirement(\"{r.Id}\")]");
            }
        }

        var unknownCitations = citations.Where(c => !known.Contains((c.Source, c.Section))).ToList();
        foreach (var c in unknownCitations)
        {
            problems.Add($"{c.Location}: cites {c.Source} §{c.Section}, which no requirement in docs/requirements.md has");
        }

        var unknownMarkers = markers.Where(m => !ids.Contains(m.RequirementId)).ToList();
        foreach (var m in unknownMarkers)
        {
            problems.Add($"{m.RequirementId}: [Requirement(\"{m.RequirementId}\")] on {m.Test} names no requirement in docs/requirements.md");
        }

        return new TraceabilityReport(traces, unknownCitations, unknownMarkers, problems);
    }
}

/// <summary>Writes docs/traceability.md. Deterministic: the same tree gives the same file.</summary>
public static class TraceabilityMatrix
{
    public static string Render(TraceabilityReport report)
    {
        var md = new StringBuilder();
        md.Append("""
            # Traceability matrix

            Generated by `TraceabilityTests` (`scripts/traceability-report.sh`) from [requirements.md](requirements.md),
            the `// RFC … §…:` and `// Spec §…:` citations in Crowd.OAuth.Core, Crowd.OAuth.Data and Crowd.OAuth.Api, and
            the `[Requirement("…")]` markers on tests. Do not edit it by hand.

            Each row is one requirement: its level and source section, what it asks in our words, the lines that cite
            that section (`path:line`, the check sits on the next line), and the tests that claim to prove it
            (`Class.Method`). A citation counts for every requirement of the section it names. **FAIL** marks a MUST or
            Crowd requirement without a citation or a test, which fails the test command; *gap* marks a SHOULD or MAY
            requirement without one, which is only reported.


            """);

        md.Append("## Summary\n\n| level | requirements | cited | tested | complete |\n|---|---:|---:|---:|---:|\n");
        foreach (var group in report.Traces.GroupBy(t => t.Requirement.Level).OrderBy(g => g.Key))
        {
            md.Append(SummaryRow(group.First().Requirement.LevelName, group.ToList()));
        }
        md.Append(SummaryRow("**all**", report.Traces));
        md.Append('\n');
        md.Append($"Failing problems: **{report.Problems.Count}** ");
        md.Append($"({report.Traces.Count(t => t.Requirement.IsMandatory && t.Citations.Count == 0)} MUST/Crowd requirements without a citation, ");
        md.Append($"{report.Traces.Count(t => t.Requirement.IsMandatory && t.Tests.Count == 0)} without a test, ");
        md.Append($"{report.UnknownCitations.Count} citations of sections without a requirement, ");
        md.Append($"{report.UnknownMarkers.Count} markers naming unknown ids).\n\n");

        md.Append("## Requirements\n\n| id | level | source | requirement | enforced at | proven by | status |\n|---|---|---|---|---|---|---|\n");
        foreach (var t in report.Traces)
        {
            var r = t.Requirement;
            var enforced = t.Citations.Count == 0 ? "—" : string.Join("<br>", t.Citations.Select(c => $"`{c.Location}`"));
            var proven = t.Tests.Count == 0 ? "—" : string.Join("<br>", t.Tests.Select(x => $"`{x}`"));
            md.Append($"| {r.Id} | {r.LevelName} | {r.Source} §{r.Section} | {Escape(r.Text)} | {enforced} | {proven} | {Status(t)} |\n");
        }

        md.Append("\n## Citations of sections without a requirement\n\n");
        if (report.UnknownCitations.Count == 0) md.Append("None.\n");
        foreach (var c in report.UnknownCitations) md.Append($"- `{c.Location}`: {c.Source} §{c.Section}\n");

        md.Append("\n## Markers naming unknown requirements\n\n");
        if (report.UnknownMarkers.Count == 0) md.Append("None.\n");
        foreach (var m in report.UnknownMarkers) md.Append($"- `{m.Test}`: {m.RequirementId}\n");
        return md.ToString();
    }

    private static string SummaryRow(string label, IReadOnlyCollection<RequirementTrace> traces) =>
        $"| {label} | {traces.Count} | {traces.Count(t => t.Citations.Count > 0)} | {traces.Count(t => t.Tests.Count > 0)} | {traces.Count(t => t.Complete)} |\n";

    private static string Status(RequirementTrace t)
    {
        if (t.Complete) return "ok";
        var missing = (t.Citations.Count, t.Tests.Count) switch
        {
            (0, 0) => "no citation, no test",
            (0, _) => "no citation",
            _ => "no test",
        };
        return t.Requirement.IsMandatory ? $"**FAIL**: {missing}" : $"*gap*: {missing}";
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
