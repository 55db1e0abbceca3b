using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using FluentValidation;

namespace Crowd.OAuth.Core.Directory;

/// <summary>POST /rest/oauth2/latest/client (spec §7). Absent scope means USER; absent clientType, confidential.</summary>
public sealed record CreateClientRequest(
    string? Name,
    IReadOnlyList<string>? Redirects,
    string? Scope = null,
    string? ClientType = null,
    bool? Introspect = null);

/// <summary>PUT /rest/oauth2/latest/client/{id} (spec §7): absent (or null) fields keep their values.</summary>
public sealed record UpdateClientRequest(
    string? Name = null,
    IReadOnlyList<string>? Redirects = null,
    string? Scope = null,
    string? ClientType = null,
    bool? Introspect = null);

/// <summary>The rules a client's fields obey, shared by creation and update.</summary>
public static class ClientRules
{
    public const int MaxNameLength = 255;
    public const int MaxRedirects = 100;

    public static IRuleBuilderOptions<T, string?> ValidClientName<T>(this IRuleBuilderInitial<T, string?> rule) => rule
        .Cascade(CascadeMode.Stop)
        // spec §7: a client has a name; it is shown on the consent page as text, never as markup
        .NotEmpty().WithMessage("a name is required")
        .MaximumLength(MaxNameLength).WithMessage($"the name must be at most {MaxNameLength} characters")
        .Must(n => !n!.Any(char.IsControl)).WithMessage("the name must not contain control characters");

    public static IRuleBuilderOptionsConditions<T, IReadOnlyList<string>?> ValidRedirects<T>(this IRuleBuilderInitial<T, IReadOnlyList<string>?> rule, OAuth2ProviderOptions options) => rule
        .Cascade(CascadeMode.Stop)
        // RFC 6749 §3.1.2.2 and Spec §1: every client registers one or more complete redirect URIs
        .Must(r => r is { Count: > 0 }).WithMessage("at least one redirect URI is required")
        .Must(r => r!.Count <= MaxRedirects).WithMessage($"at most {MaxRedirects} redirect URIs")
        .Custom((redirects, context) =>
        {
            for (var i = 0; i < redirects!.Count; i++)
            {
                if (RedirectUriRules.Check(redirects[i], options) is { } problem)
                {
                    context.AddFailure(context.PropertyPath, $"redirect URI {i + 1} {problem}");
                }
            }
        });

    public static IRuleBuilderOptions<T, string?> ValidScope<T>(this IRuleBuilder<T, string?> rule) => rule
        // spec §1: unknown scope names are invalid
        .Must(s => Scopes.Parse(s) is not null)
        .WithMessage($"the scope must be {Scopes.User} or {Scopes.SystemAdmin}");

    public static IRuleBuilderOptions<T, string?> ValidClientType<T>(this IRuleBuilder<T, string?> rule) => rule
        // RFC 8252 §8.4: the client type, confidential or public, is recorded at registration
        .Must(t => t is ClientTypes.Confidential or ClientTypes.Public)
        .WithMessage($"the client type must be {ClientTypes.Confidential} or {ClientTypes.Public}");

    /// <summary>Registered redirect URIs as stored: deduplicated, sorted ordinally (spec §7).</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> redirects) =>
        redirects.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The scope as stored: catalogue order, single spaces.</summary>
    public static string NormalizeScope(string scope) => Scopes.Format(Scopes.Parse(scope)!);
}

public sealed class CreateClientRequestValidator : AbstractValidator<CreateClientRequest>
{
    public CreateClientRequestValidator(OAuth2ProviderOptions options)
    {
        RuleFor(r => r.Name).ValidClientName();
        RuleFor(r => r.Redirects).ValidRedirects(options);
        RuleFor(r => r.Scope).ValidScope().When(r => r.Scope is not null);
        RuleFor(r => r.ClientType).ValidClientType().When(r => r.ClientType is not null);
    }
}

public sealed class UpdateClientRequestValidator : AbstractValidator<UpdateClientRequest>
{
    public UpdateClientRequestValidator(OAuth2ProviderOptions options)
    {
        RuleFor(r => r.Name).ValidClientName().When(r => r.Name is not null);
        RuleFor(r => r.Redirects).ValidRedirects(options).When(r => r.Redirects is not null);
        RuleFor(r => r.Scope).ValidScope().When(r => r.Scope is not null);
        RuleFor(r => r.ClientType).ValidClientType().When(r => r.ClientType is not null);
    }
}
