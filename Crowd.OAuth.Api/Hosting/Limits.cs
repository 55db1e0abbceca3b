using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>
/// Request limits, so that oversized or slow input is refused by Kestrel or the form reader before
/// any handler or database sees it: a request line over 8 KB gets 414, headers over 16 KB 431, a
/// body over 64 KB 413 (at the token endpoint the protocol's 400 invalid_request), a form with too
/// many or too long fields 400 invalid_request. Every protocol message of this server is far below
/// these sizes. Operators may change any Kestrel limit under <c>Kestrel:Limits</c>.
/// </summary>
public static class Limits
{
    public const int MaxRequestLineBytes = 8 * 1024;
    public const int MaxRequestHeadersTotalBytes = 16 * 1024;
    public const int MaxRequestHeaderCount = 64;
    public const long MaxRequestBodyBytes = 64 * 1024;
    public const int FormValueCountLimit = 64;
    public const int FormKeyLengthLimit = 256;
    public const int FormValueLengthLimit = 8 * 1024;

    /// <summary>A client must send all its headers within this time (a slow-headers attack holds a connection).</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A body (and a response) must move at 240 bytes/s or more after a 5 s grace: a dribbled body is cut off.</summary>
    public static readonly MinDataRate MinDataRate = new(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));

    public static void ApplyCrowdLimits(this KestrelServerOptions kestrel, IConfiguration configuration)
    {
        var limits = kestrel.Limits;
        limits.MaxRequestLineSize = MaxRequestLineBytes;
        limits.MaxRequestHeadersTotalSize = MaxRequestHeadersTotalBytes;
        limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
        limits.MaxRequestBodySize = MaxRequestBodyBytes;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.MinRequestBodyDataRate = MinDataRate;
        limits.MinResponseDataRate = MinDataRate;
        limits.Http2.MaxRequestHeaderFieldSize = MaxRequestHeadersTotalBytes;
        // What the operator configured wins over the defaults above.
        configuration.GetSection("Kestrel:Limits").Bind(limits);
    }

    /// <summary>The form reader's limits; breaking one raises InvalidDataException, which ProtocolRequest answers with invalid_request.</summary>
    public static IServiceCollection AddCrowdFormLimits(this IServiceCollection services) =>
        services.Configure<FormOptions>(form =>
        {
            form.ValueCountLimit = FormValueCountLimit;
            form.KeyLengthLimit = FormKeyLengthLimit;
            form.ValueLengthLimit = FormValueLengthLimit;
            form.BufferBodyLengthLimit = MaxRequestBodyBytes;
            form.MultipartBodyLengthLimit = MaxRequestBodyBytes;
            form.MultipartHeadersLengthLimit = FormValueLengthLimit;
        });
}
