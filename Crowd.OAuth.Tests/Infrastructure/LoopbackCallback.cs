using System.Net;
using Microsoft.AspNetCore.WebUtilities;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>A client's redirect endpoint on a free loopback port (RFC 8252 §7.3): answers one request and keeps its URL.</summary>
public sealed class LoopbackCallback : IDisposable
{
    private readonly HttpListener _listener = new();
    public int Port { get; }
    public Task<Uri> Received { get; }

    public LoopbackCallback()
    {
        Port = LocalCluster.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        Received = ReceiveAsync();
    }

    public string RedirectUri => $"http://127.0.0.1:{Port}/cb";

    private async Task<Uri> ReceiveAsync()
    {
        var context = await _listener.GetContextAsync();
        var url = context.Request.Url!;
        var body = "<!doctype html><title>done</title><p>Back at the application.</p>"u8.ToArray();
        context.Response.ContentType = "text/html";
        await context.Response.OutputStream.WriteAsync(body);
        context.Response.Close();
        return url;
    }

    public async Task<Dictionary<string, string>> QueryAsync()
    {
        var url = await Received.WaitAsync(TimeSpan.FromSeconds(30));
        return QueryHelpers.ParseQuery(url.Query).ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
    }

    public void Dispose() => _listener.Close();
}
