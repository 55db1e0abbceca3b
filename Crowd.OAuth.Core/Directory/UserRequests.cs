using FluentValidation;

namespace Crowd.OAuth.Core.Directory;

/// <summary>A new user (spec §1). <see cref="Password"/> is plain only until it is hashed; absent display name means the username.</summary>
public sealed record CreateUserRequest(
    string? Username,
    string? Password,
    bool IsAdmin = false,
    string? DisplayName = null,
    string? Email = null)
{
    public override string ToString() => $"CreateUserRequest {{ Username = {Username}, IsAdmin = {IsAdmin} }}"; // never the password
}

public sealed class CreateUserRequestValidator : AbstractValidator<CreateUserRequest>
{
    public const int MaxLength = 255;
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 1024;

    public CreateUserRequestValidator()
    {
        RuleFor(r => r.Username).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("a username is required")
            .MaximumLength(MaxLength).WithMessage($"the username must be at most {MaxLength} characters")
            .Must(u => u!.Trim() == u).WithMessage("the username must not start or end with spaces")
            .Must(u => !u!.Any(char.IsControl)).WithMessage("the username must not contain control characters")
            // RFC 7617 §2: the user-id of HTTP Basic cannot contain a colon
            .Must(u => !u!.Contains(':')).WithMessage("the username must not contain a colon");
        RuleFor(r => r.Password).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("a password is required")
            .MinimumLength(MinPasswordLength).WithMessage($"the password must be at least {MinPasswordLength} characters")
            .MaximumLength(MaxPasswordLength).WithMessage($"the password must be at most {MaxPasswordLength} characters");
        RuleFor(r => r.DisplayName).MaximumLength(MaxLength).WithMessage($"the display name must be at most {MaxLength} characters")
            .Must(d => !d!.Any(char.IsControl)).WithMessage("the display name must not contain control characters")
            .When(r => r.DisplayName is not null);
        RuleFor(r => r.Email).MaximumLength(MaxLength).WithMessage($"the email must be at most {MaxLength} characters")
            .Must(e => e!.Length == 0 || e.Contains('@')).WithMessage("the email must contain @")
            .When(r => r.Email is not null);
    }
}
