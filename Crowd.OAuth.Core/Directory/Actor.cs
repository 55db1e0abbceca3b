namespace Crowd.OAuth.Core.Directory;

/// <summary>
/// Who performs a directory change, as the audit log records it: an administrator's username for the
/// REST API, <c>cli:&lt;account&gt;</c> for the operators' command line.
/// </summary>
public sealed record Actor(string Name, string? RemoteAddress = null);
