using System.Collections.Concurrent;
using System.Diagnostics;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// Counts the database commands (Npgsql's command activities) run on behalf of one HTTP request of an
/// in-process server: the request carries a W3C <c>traceparent</c> with a fresh trace id, ASP.NET Core
/// continues that trace, and Npgsql's activities inherit it. Commands of anything else in the process
/// (background jobs, other requests) have other trace ids and are not counted.
/// </summary>
public sealed class DatabaseCommandCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<ActivityTraceId, ConcurrentQueue<string>> _commands = new();

    public DatabaseCommandCounter()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.Kind == ActivityKind.Client)
                {
                    _commands.GetOrAdd(activity.TraceId, _ => new()).Enqueue(activity.DisplayName);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Marks <paramref name="request"/> with a trace of its own; its commands are then <see cref="CommandsOf"/> that trace.</summary>
    public ActivityTraceId Trace(HttpRequestMessage request)
    {
        var trace = ActivityTraceId.CreateRandom();
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        return trace;
    }

    public IReadOnlyList<string> CommandsOf(ActivityTraceId trace) =>
        _commands.TryGetValue(trace, out var commands) ? commands.ToArray() : [];

    public void Dispose() => _listener.Dispose();
}
