using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Core.Directory;

/// <summary>
/// Users (spec §1): creation with a hashed password, (de)activation, and password checks that cost
/// the same whether or not the username exists. Every change is audited, never with the password.
/// </summary>
public sealed class UserService(IUserStore store, IPasswordHasher hasher, IAuditLog audit, TimeProvider time)
{
    private readonly CreateUserRequestValidator _validator = new();

    // Verified against when the username is unknown, so that a miss costs what a wrong password costs.

    /// <summary>Case-insensitive (spec §1).</summary>
    public Task<User?> FindAsync(string username, CancellationToken cancellationToken) => store.FindByUsernameAsync(username, cancellationToken);

    public async Task<DirectoryOutcome<User>> CreateAsync(CreateUserRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var validation = await _validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid) return DirectoryOutcome<User>.Invalid(DirectoryErrors.From(validation));

        var now = time.GetUtcNow();
        var user = new User(
            Guid.CreateVersion7(now),
            request.Username!,
            string.IsNullOrEmpty(request.DisplayName) ? request.Username! : request.DisplayName,
            request.Email ?? "",
            Active: true,
            request.IsAdmin,
            hasher.Hash(request.Password!),
            now);
        // spec §1: usernames are unique case-insensitively
        if (!await store.CreateAsync(user, cancellationToken))
        {
            return DirectoryOutcome<User>.Invalid(DirectoryErrors.Field(Fields.Username, "this username is taken"));
        }

        await WriteAuditAsync(actor, AuditActions.UserCreated, user, cancellationToken);
        return DirectoryOutcome<User>.Success(user);
    }

    public Task<DirectoryOutcome<User>> DeactivateAsync(string username, Actor actor, CancellationToken cancellationToken) =>
        SetActiveAsync(username, active: false, actor, cancellationToken);

    public Task<DirectoryOutcome<User>> ActivateAsync(string username, Actor actor, CancellationToken cancellationToken) =>
        SetActiveAsync(username, active: true, actor, cancellationToken);

    private async Task<DirectoryOutcome<User>> SetActiveAsync(string username, bool active, Actor actor, CancellationToken cancellationToken)
    {
        var user = await store.FindByUsernameAsync(username, cancellationToken);
        if (user is null || !await store.SetActiveAsync(user.Id, active, time.GetUtcNow(), cancellationToken))
        {
            return DirectoryOutcome<User>.NotFound();
        }
        var changed = user with { Active = active };
        await WriteAuditAsync(actor, active ? AuditActions.UserActivated : AuditActions.UserDeactivated, changed, cancellationToken);
        return DirectoryOutcome<User>.Success(changed);
    }

    private Task WriteAuditAsync(Actor actor, string action, User user, CancellationToken cancellationToken) =>
        audit.WriteAsync(new AuditEvent(
            time.GetUtcNow(),
            actor.Name,
            action,
            user.Username,
            new Dictionary<string, string?>
            {
                [Fields.Id] = user.Id.ToString(),
                [Fields.Admin] = user.IsAdmin ? "true" : "false",
                [Fields.Active] = user.Active ? "true" : "false",
            },
            actor.RemoteAddress), cancellationToken);

    public static class Fields
    {
        public const string Id = "id";
        public const string Username = "username";
        public const string Admin = "admin";
        public const string Active = "active";
    }
}
