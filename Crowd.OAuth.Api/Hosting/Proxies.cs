using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>
/// Spec §8: X-Forwarded-For and X-Forwarded-Proto are honoured only from the proxies an operator lists
/// (<c>ForwardedHeaders:KnownProxies</c>, addresses, and <c>ForwardedHeaders:KnownNetworks</c>, CIDR).
/// With none listed they are ignored, and the remote address is the connection's. The issuer and
/// every absolute URL come from BaseUrl either way, never from these headers.
/// </summary>
public static class Proxies
{
    public static IApplicationBuilder UseConfiguredProxies(this IApplicationBuilder app, IConfiguration configuration)
    {
        var proxies = configuration.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [];
        var networks = configuration.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [];
        if (proxies.Length == 0 && networks.Length == 0) return app;

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        // Only what is listed: not even loopback by default.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address : throw new StartupException($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address"));
        }
        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed) ? parsed : throw new StartupException($"ForwardedHeaders:KnownNetworks: '{network}' is not a CIDR network"));
        }
        return app.UseForwardedHeaders(options);
    }
}
