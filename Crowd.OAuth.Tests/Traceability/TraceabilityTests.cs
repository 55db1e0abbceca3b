using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Traceability;

/// <summary>
/// Issue 9: every requirement we implement, the line that enforces it, the test that proves it. The first test is
/// the real check over this repository (it also writes docs/traceability.md); the others test the checker itself on
/// small inputs. No database: run alone with <c>scripts/traceability-report.sh</c>.
/// </summary>
[TestFixture]
[Category("Traceability")]
public sealed class TraceabilityTests
{
    [Test]
    public void Repository_EveryMustAndCrowdRequirement_HasCitationAndTest()
    {
        IReadOnlyList<Requirement> requirements;
        try
        {
            requirements = RequirementsParser.Parse(File.ReadAllText(Path.Combine(Repo.Root, "docs", "requirements.md")));
        }
        catch (RequirementsFormatException e)
        {
            Assert.Fail(e.Message);
            return;
        }
        var citations = CitationScanner.ScanProjects(Repo.Root, CitationScanner.Projects);
        var markers = TestMarkers.Read(TestMarkers.Fixtures(typeof(TraceabilityTests).Assembly));

        var report = TraceabilityCheck.Run(requirements, citations, markers);
        File.WriteAllText(Path.Combine(Repo.Root, "docs", "traceability.md"), TraceabilityMatrix.Render(report));

        if (report.Problems.Count > 0)
        {
            Assert.Fail($"{report.Problems.Count} traceability problems (docs/traceability.md has the matrix):\n" + string.Join('\n', report.Problems));
        }
    }

    // ---- the parser ----

    private const string Header = """
        # Requirements

        | id | source | section | level | requirement |
        |---|---|---|---|---|
        """;

    private static string Table(params string[] rows) => Header + "\n" + string.Join('\n', rows) + "\n";

    [Test]
    public void Parse_WellFormedTable_ReadsEveryRowAndStopsAtTheTableEnd()
    {
        var markdown = Table(
            "| RFC7636-4.6-verifier-match | RFC 7636 | 4.6 | MUST | The verifier must match. |",
            "| SPEC-4-refresh-rotation | Spec | 4 | Crowd | Refresh rotates the pair. |",
            "| RFC9700-4.14.2-inactivity | RFC 9700 | 4.14.2 | SHOULD | Idle refresh tokens expire \\| sliding. |")
            + "\n## Not implemented\n\n| source | section | what | why |\n|---|---|---|---|\n| RFC 6749 | 4.2 | implicit | no |\n";

        var requirements = RequirementsParser.Parse(markdown);

        Assert.That(requirements.Select(r => r.Id), Is.EqualTo(new[] { "RFC7636-4.6-verifier-match", "SPEC-4-refresh-rotation", "RFC9700-4.14.2-inactivity" }));
        Assert.That(requirements[0], Is.EqualTo(new Requirement("RFC7636-4.6-verifier-match", "RFC 7636", "4.6", RequirementLevel.Must, "The verifier must match.", 5)));
        Assert.That(requirements[1].Level, Is.EqualTo(RequirementLevel.Crowd));
        Assert.That(requirements[2].Text, Is.EqualTo("Idle refresh tokens expire | sliding."));
    }

    [Test]
    public void Parse_DuplicateId_FailsNamingTheId()
    {
        var markdown = Table(
            "| RFC6749-4.1.2-code-single-use | RFC 6749 | 4.1.2 | MUST | Once. |",
            "| RFC6749-4.1.2-code-single-use | RFC 6749 | 4.1.2 | MUST | Twice. |");

        var e = Assert.Throws<RequirementsFormatException>(() => RequirementsParser.Parse(markdown))!;

        Assert.That(e.Problems, Has.One.Matches<string?>(p => p != null && p.Contains("duplicate id RFC6749-4.1.2-code-single-use") && p.StartsWith("line 6")));
    }

    [Test]
    public void Parse_UnknownLevel_FailsNamingTheRow()
    {
        var e = Assert.Throws<RequirementsFormatException>(() => RequirementsParser.Parse(Table("| SPEC-3-deny | Spec | 3 | RECOMMENDED | Deny redirects. |")))!;

        Assert.That(e.Problems, Has.One.Matches<string?>(p => p != null && p.Contains("SPEC-3-deny") && p.Contains("unknown level 'RECOMMENDED'")));
    }

    [TestCase("| SPEC-3-deny | Spec | 3 | MUST |", "4 cells")]
    [TestCase("| SPEC-3-deny | Spec | §3 | MUST | Deny. |", "section '§3'")]
    [TestCase("| SPEC-3-deny | RFC6749 | 3 | MUST | Deny. |", "source 'RFC6749'")]
    [TestCase("| Spec-3-Deny | Spec | 3 | MUST | Deny. |", "id must look like")]
    [TestCase("| SPEC-4-deny | Spec | 3 | MUST | Deny. |", "must start with SPEC-3-")]
    [TestCase("| RFC6749-3-deny | RFC 6750 | 3 | MUST | Deny. |", "must start with RFC6750-3-")]
    [TestCase("| SPEC-3-deny | Spec | 3 | MUST |  |", "empty")]
    public void Parse_MalformedRow_FailsWithTheReason(string row, string reason)
    {
        var e = Assert.Throws<RequirementsFormatException>(() => RequirementsParser.Parse(Table(row)))!;

        Assert.That(e.Problems, Has.One.Matches<string?>(p => p != null && p.Contains(reason) && p.StartsWith("line 5")));
    }

    [Test]
    public void Parse_WrongHeader_Fails()
    {
        var markdown = "| id | source | level | requirement |\n|---|---|---|---|\n| SPEC-3-deny | Spec | MUST | Deny. |\n";

        Assert.That(() => RequirementsParser.Parse(markdown), Throws.TypeOf<RequirementsFormatException>().With.Message.Contains("header"));
    }

    // ---- the scanner ----

    [Test]
    public void Scan_AndJoinedCitation_YieldsBothSections()
    {
        var citations = CitationScanner.Scan("Api/Errors.cs", "x\n    // RFC 6749 §5.2 and RFC 6750 §3.1: invalid_client is 401\n");

        Assert.That(citations, Is.EqualTo(new[]
        {
            new Citation("RFC 6749", "5.2", "Api/Errors.cs", 2),
            new Citation("RFC 6750", "3.1", "Api/Errors.cs", 2),
        }));
    }

    [Test]
    public void Scan_CommaJoinedCitation_YieldsBothSections()
    {
        var citations = CitationScanner.Scan("a.cs", "// RFC 6749 §4.1.2, RFC 9700 §4.5: the code is bound to the client");

        Assert.That(citations.Select(c => (c.Source, c.Section)), Is.EqualTo(new[] { ("RFC 6749", "4.1.2"), ("RFC 9700", "4.5") }));
    }

    [TestCase("    // RFC 6749 §4.1.2.1 and §5.2: error codes", "RFC 6749 4.1.2.1", "RFC 6749 5.2")]
    [TestCase("    /// RFC 7636 §4.1, §4.2: 43 to 128 unreserved characters", "RFC 7636 4.1", "RFC 7636 4.2")]
    [TestCase("        // RFC 9700 §2.6 / spec §8: production issuers are https", "RFC 9700 2.6", "Spec 8")]
    [TestCase("        // RFC 6749 §10.10 and Spec §1: 256 random bits", "RFC 6749 10.10", "Spec 1")]
    [TestCase("        null => Plain, // RFC 7636 §4.3: absent means plain", "RFC 7636 4.3")]
    [TestCase("// Spec §4 : a repeated parameter is invalid_request", "Spec 4")]
    [TestCase("//RFC 7009 §2.2: 200 for unknown tokens", "RFC 7009 2.2")]
    public void Scan_CitationForms_YieldEverySection(string line, params string[] expected)
    {
        var citations = CitationScanner.Scan("a.cs", line);

        Assert.That(citations.Select(c => $"{c.Source} {c.Section}"), Is.EqualTo(expected));
    }

    [TestCase("// RFC 6749 §4.1.2")]
    [TestCase("// RFC 6749 §4.1.2 explains why codes are short-lived.")]
    [TestCase("// as RFC 6749 §4.1.2: says, codes are short-lived")]
    [TestCase("/// <summary>RFC 7636 §4.6: the verifier must match.</summary>")]
    [TestCase("var s = \"RFC 6749 §4.1.2: not a comment\";")]
    [TestCase("// RFC 6749 section 4.1.2: no section sign")]
    public void Scan_ProseMention_IsNotACitation(string line)
    {
        Assert.That(CitationScanner.Scan("a.cs", line), Is.Empty);
    }

    [Test]
    public void ScanProjects_SkipsBinAndObjAndOtherProjects_PathsRelativeToRoot()
    {
        var root = Directory.CreateTempSubdirectory("traceability-").FullName;
        try
        {
            void Write(string path, string text)
            {
                var full = Path.Combine(root, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, text);
            }
            Write("Crowd.OAuth.Core/Grants/Code.cs", "a\nb\n// RFC 6749 §4.1.2: single use\n");
            Write("Crowd.OAuth.Core/obj/Release/Generated.cs", "// RFC 6749 §9.9: generated\n");
            Write("Crowd.OAuth.Api/bin/Release/Copied.cs", "// RFC 6749 §9.9: copied\n");
            Write("Crowd.OAuth.Tests/SomeTests.cs", "// RFC 6749 §9.9: tests are not enforcement\n");

            var citations = CitationScanner.ScanProjects(root, CitationScanner.Projects);

            Assert.That(citations, Is.EqualTo(new[] { new Citation("RFC 6749", "4.1.2", "Crowd.OAuth.Core/Grants/Code.cs", 3) }));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // ---- the markers ----

    // Abstract, so NUnit never runs them and the repository check never reads them.
    [Requirement("SPEC-4-fixture-level")]
    private abstract class MarkedSamples
    {
        [Test]
        [Requirement("RFC7636-4.6-verifier-match")]
        public void Single()
        {
        }

        [TestCase(1)]
        [TestCase(2)]
        [Requirement("RFC6749-4.1.2-code-single-use", "RFC6749-5.2-error-response")]
        public void Parameterised(int value) => Assert.That(value, Is.Positive);

        [Requirement("SPEC-9-not-a-test")]
        public void Helper()
        {
        }
    }

    private abstract class UnmarkedSamples
    {
        [Test]
        public void Plain()
        {
        }
    }

    [Test]
    public void ReadMarkers_TestCaseMethodsAndFixtureMarkers_AreCollectedHelpersIgnored()
    {
        var markers = TestMarkers.Read([typeof(MarkedSamples), typeof(UnmarkedSamples)]);

        Assert.That(markers, Is.EquivalentTo(new[]
        {
            new TestMarker("MarkedSamples.Single", "SPEC-4-fixture-level"),
            new TestMarker("MarkedSamples.Single", "RFC7636-4.6-verifier-match"),
            new TestMarker("MarkedSamples.Parameterised", "SPEC-4-fixture-level"),
            new TestMarker("MarkedSamples.Parameterised", "RFC6749-4.1.2-code-single-use"),
            new TestMarker("MarkedSamples.Parameterised", "RFC6749-5.2-error-response"),
        }));
    }

    [Test]
    public void Fixtures_OfThisAssembly_LeaveOutAbstractSamples()
    {
        var fixtures = TestMarkers.Fixtures(typeof(TraceabilityTests).Assembly).ToList();

        Assert.That(fixtures, Does.Contain(typeof(TraceabilityTests)));
        Assert.That(fixtures, Does.Not.Contain(typeof(MarkedSamples)));
    }

    // ---- the check ----

    private static readonly Requirement Verifier = new("RFC7636-4.6-verifier-match", "RFC 7636", "4.6", RequirementLevel.Must, "Verifier matches.", 5);
    private static readonly Requirement Rotation = new("SPEC-4-refresh-rotation", "Spec", "4", RequirementLevel.Crowd, "Refresh rotates.", 6);
    private static readonly Requirement Repeated = new("SPEC-4-param-repeated", "Spec", "4", RequirementLevel.Must, "No repeats.", 7);
    private static readonly Requirement Inactivity = new("RFC9700-4.14.2-inactivity", "RFC 9700", "4.14.2", RequirementLevel.Should, "Idle expiry.", 8);

    private static readonly Requirement[] Requirements = [Verifier, Rotation, Repeated, Inactivity];

    private static readonly Citation[] Citations =
    [
        new("RFC 7636", "4.6", "Crowd.OAuth.Core/Protocol/Pkce.cs", 44),
        new("Spec", "4", "Crowd.OAuth.Core/Grants/RefreshTokenGrant.cs", 30),
    ];

    private static readonly TestMarker[] Markers =
    [
        new("PkceTests.Matches_AppendixBVector_ReturnsTrue", Verifier.Id),
        new("RefreshTests.Refresh_ValidToken_RotatesPair", Rotation.Id),
        new("TokenEndpointTests.Token_RepeatedParameter_ReturnsInvalidRequest", Repeated.Id),
    ];

    [Test]
    public void Check_EveryMandatoryRequirementCitedAndTested_HasNoProblems()
    {
        var report = TraceabilityCheck.Run(Requirements, Citations, Markers);

        Assert.That(report.Problems, Is.Empty);
        Assert.That(report.Traces.Single(t => t.Requirement == Repeated).Citations, Has.Count.EqualTo(1), "a citation counts for every row of its section");
    }

    [Test]
    public void Check_MarkerOfMustRemoved_FailsNamingTheRequirement()
    {
        var report = TraceabilityCheck.Run(Requirements, Citations, Markers.Where(m => m.RequirementId != Verifier.Id).ToList());

        Assert.That(report.Problems, Is.EqualTo(new[] { "RFC7636-4.6-verifier-match (MUST, RFC 7636 §4.6): no test carries [Requirement(\"RFC7636-4.6-verifier-match\")]" }));
    }

    [Test]
    public void Check_CitationOfMustRemoved_FailsNamingTheRequirement()
    {
        var report = TraceabilityCheck.Run(Requirements, Citations.Where(c => c.Source != "RFC 7636").ToList(), Markers);

        Assert.That(report.Problems, Has.Count.EqualTo(1));
        Assert.That(report.Problems[0], Does.StartWith("RFC7636-4.6-verifier-match (MUST, RFC 7636 §4.6): no citation"));
    }

    [Test]
    public void Check_CrowdRequirementWithoutCitationOrTest_FailsTwiceNamingIt()
    {
        var report = TraceabilityCheck.Run(Requirements, Citations.Take(1).ToList(), Markers.Take(1).ToList());

        Assert.That(report.Problems.Where(p => p.StartsWith("SPEC-4-refresh-rotation (Crowd, Spec §4)", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(2));
        Assert.That(report.Problems.Where(p => p.StartsWith("SPEC-4-param-repeated (MUST, Spec §4)", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(2));
    }

    [Test]
    public void Check_ShouldWithoutCitationOrTest_IsAGapInTheMatrixNotAProblem()
    {
        var report = TraceabilityCheck.Run(Requirements, Citations, Markers);
        var matrix = TraceabilityMatrix.Render(report);

        Assert.That(report.Problems, Has.None.Contains(Inactivity.Id));
        Assert.That(matrix, Does.Contain("| RFC9700-4.14.2-inactivity | SHOULD | RFC 9700 §4.14.2 | Idle expiry. | — | — | *gap*: no citation, no test |"));
    }

    [Test]
    public void Check_CitationOfUnknownSection_Fails()
    {
        var report = TraceabilityCheck.Run(Requirements, [.. Citations, new Citation("RFC 6749", "4.9", "Crowd.OAuth.Api/Token.cs", 12)], Markers);

        Assert.That(report.Problems, Is.EqualTo(new[] { "Crowd.OAuth.Api/Token.cs:12: cites RFC 6749 §4.9, which no requirement in docs/requirements.md has" }));
        Assert.That(report.UnknownCitations, Has.Count.EqualTo(1));
    }

    [Test]
    public void Check_MarkerWithUnknownId_FailsNamingTheId()
    {
        var report = TraceabilityCheck.Run(Requirements, Citations, [.. Markers, new TestMarker("PkceTests.Typo", "RFC7636-4.6-verifier-matches")]);

        Assert.That(report.Problems, Is.EqualTo(new[] { "RFC7636-4.6-verifier-matches: [Requirement(\"RFC7636-4.6-verifier-matches\")] on PkceTests.Typo names no requirement in docs/requirements.md" }));
    }

    [Test]
    public void Check_FromMarkdownAndSource_EndToEnd()
    {
        var requirements = RequirementsParser.Parse(Table(
            "| RFC6749-5.2-invalid-client-401 | RFC 6749 | 5.2 | MUST | invalid_client is 401. |",
            "| RFC6750-3.1-status-codes | RFC 6750 | 3.1 | SHOULD | Bearer statuses. |"));
        var citations = CitationScanner.Scan("Crowd.OAuth.Api/Hosting/ErrorHandling.cs", "\n// RFC 6749 §5.2 and RFC 6750 §3.1: invalid_client is 401\nreturn 401;\n");
        var markers = TestMarkers.Read([typeof(UnmarkedSamples)]);

        var report = TraceabilityCheck.Run(requirements, citations, markers);

        Assert.That(report.Problems, Is.EqualTo(new[] { "RFC6749-5.2-invalid-client-401 (MUST, RFC 6749 §5.2): no test carries [Requirement(\"RFC6749-5.2-invalid-client-401\")]" }));
        Assert.That(report.Traces.Select(t => t.Citations.Single().Location), Is.All.EqualTo("Crowd.OAuth.Api/Hosting/ErrorHandling.cs:2"));
    }

    [Test]
    public void Render_CompleteRow_ListsLocationsTestsAndSummary()
    {
        var matrix = TraceabilityMatrix.Render(TraceabilityCheck.Run(Requirements, Citations, Markers));

        Assert.That(matrix, Does.Contain("| RFC7636-4.6-verifier-match | MUST | RFC 7636 §4.6 | Verifier matches. | `Crowd.OAuth.Core/Protocol/Pkce.cs:44` | `PkceTests.Matches_AppendixBVector_ReturnsTrue` | ok |"));
        Assert.That(matrix, Does.Contain("| **all** | 4 | 3 | 3 | 3 |"));
        Assert.That(matrix, Does.Contain("Failing problems: **0**"));
    }
}
