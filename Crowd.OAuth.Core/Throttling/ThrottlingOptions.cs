using FluentValidation;

namespace Crowd.OAuth.Core.Throttling;

/// <summary>
/// Throttling settings, bound from <c>OAuth2Provider:Throttling</c>. The defaults never trouble a
/// healthy client and stop a secret being guessed online.
/// </summary>
public sealed class ThrottlingOptions
{
    public const string Section = "OAuth2Provider:Throttling";

    /// <summary>Failed client authentications per client_id per window, across all nodes, before further attempts get 429.</summary>
    public int FailedClientAuthenticationLimit { get; set; } = 20;

    /// <summary>The length of the fixed window the failures are counted in.</summary>
    public int FailedClientAuthenticationWindowSeconds { get; set; } = 60;

    /// <summary>How stale a node's view of the clients other nodes have blocked may get, at most.</summary>
    public int BlockedClientsRefreshSeconds { get; set; } = 1;

    /// <summary>Per-node flood guard: requests per second per client at the client endpoints (<c>RateLimitPolicies.PerClient</c>).</summary>
    public int ClientRequestsPerSecond { get; set; } = 1000;

    /// <summary>Per-node flood guard: requests per second per remote address (<c>RateLimitPolicies.PerAddress</c>).</summary>
    public int AddressRequestsPerSecond { get; set; } = 20;

    /// <summary>Failed logins per username (any letter case) per window, across all nodes, before the login page makes it wait.</summary>
    public int FailedLoginLimit { get; set; } = 10;

    /// <summary>Failed logins per remote address per window, across all nodes.</summary>
    public int FailedLoginPerAddressLimit { get; set; } = 100;

    /// <summary>The length of the fixed window failed logins are counted in.</summary>
    public int FailedLoginWindowSeconds { get; set; } = 300;

    public TimeSpan FailedClientAuthenticationWindow => TimeSpan.FromSeconds(FailedClientAuthenticationWindowSeconds);
}

public sealed class ThrottlingOptionsValidator : AbstractValidator<ThrottlingOptions>
{
    public ThrottlingOptionsValidator()
    {
        RuleFor(o => o.FailedClientAuthenticationLimit).InclusiveBetween(1, 100_000)
            .WithMessage("OAuth2Provider:Throttling:FailedClientAuthenticationLimit must be between 1 and 100000");
        RuleFor(o => o.FailedClientAuthenticationWindowSeconds).InclusiveBetween(1, 86_400)
            .WithMessage("OAuth2Provider:Throttling:FailedClientAuthenticationWindowSeconds must be between 1 and 86400");
        RuleFor(o => o.BlockedClientsRefreshSeconds).InclusiveBetween(1, 60)
            .WithMessage("OAuth2Provider:Throttling:BlockedClientsRefreshSeconds must be between 1 and 60");
        RuleFor(o => o.FailedLoginLimit).InclusiveBetween(1, 100_000)
            .WithMessage("OAuth2Provider:Throttling:FailedLoginLimit must be between 1 and 100000");
        RuleFor(o => o.FailedLoginPerAddressLimit).InclusiveBetween(1, 1_000_000)
            .WithMessage("OAuth2Provider:Throttling:FailedLoginPerAddressLimit must be between 1 and 1000000");
        RuleFor(o => o.FailedLoginWindowSeconds).InclusiveBetween(1, 86_400)
            .WithMessage("OAuth2Provider:Throttling:FailedLoginWindowSeconds must be between 1 and 86400");
        RuleFor(o => o.ClientRequestsPerSecond).InclusiveBetween(1, 1_000_000)
            .WithMessage("OAuth2Provider:Throttling:ClientRequestsPerSecond must be between 1 and 1000000");
        RuleFor(o => o.AddressRequestsPerSecond).InclusiveBetween(1, 1_000_000)
            .WithMessage("OAuth2Provider:Throttling:AddressRequestsPerSecond must be between 1 and 1000000");
    }
}
