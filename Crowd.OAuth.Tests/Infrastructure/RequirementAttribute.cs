namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// Names the requirement ids (docs/requirements.md) a test proves. The traceability check reads
/// these to build docs/traceability.md and fails when a MUST or Crowd requirement has no test.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true)]
public sealed class RequirementAttribute : PropertyAttribute
{
    public const string PropertyName = "Requirement";

    public RequirementAttribute(params string[] ids) : base()
    {
        foreach (var id in ids) Properties.Add(PropertyName, id);
    }
}
