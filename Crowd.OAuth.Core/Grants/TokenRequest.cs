namespace Crowd.OAuth.Core.Grants;

/// <summary>
/// The token endpoint's parameters after the Api has refused repeats and dropped empty values
/// (RFC 6749 §3.2: a parameter without a value counts as omitted; none may appear twice).
/// </summary>
public sealed class TokenRequest(IReadOnlyDictionary<string, string> parameters)
{
    public string? Get(string name) => parameters.TryGetValue(name, out var value) ? value : null;
}
