using System.Text.Json;
using System.Text.Json.Serialization;
using Crowd.OAuth.Core.Directory;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Crowd.OAuth.Api.Directory;

/// <summary>A client as the admin API shows it (spec §7). <see cref="ClientSecret"/> only in the answers to create and reset.</summary>
public sealed record ClientResponse(
    Guid Id,
    string ClientId,
    string Name,
    IReadOnlyList<string> Redirects,
    string Scope,
    string ClientType,
    bool Introspect,
    string UserKey,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientSecret = null)
{
    public static ClientResponse From(Client c, string? secret = null) =>
        new(c.Id, c.ClientId, c.Name, c.RedirectUris, c.Scope, c.ClientType, c.Introspect, c.UserKey, c.CreatedAt, secret);

    public override string ToString() => $"ClientResponse {{ ClientId = {ClientId}, Name = {Name} }}"; // never the secret
}

/// <summary>
/// Client administration, Crowd's incoming application links (spec §7): list, create, get,
/// update, delete, reset the secret. System administrators only (<see cref="AdminAuthentication"/>).
/// </summary>
public static class ClientAdminEndpoints
{
    public const string BasePath = "/rest/oauth2/latest/client";

    private static readonly DirectoryErrors ClientNotFound = DirectoryErrors.General("no such client");
    private static readonly DirectoryErrors BodyNotJson = DirectoryErrors.General("the request body must be a JSON object with the documented fields");

    public static IEndpointRouteBuilder MapClientAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var clients = app.MapGroup(BasePath);
        clients.MapGet("", ListAsync);
        clients.MapPost("", CreateAsync);
        clients.MapGet("{id}", GetAsync);
        clients.MapPut("{id}", UpdateAsync);
        clients.MapDelete("{id}", DeleteAsync);
        clients.MapPut("reset/{clientId}", ResetSecretAsync);
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<ClientResponse>>, AdminAuthFailure>> ListAsync(
        HttpContext context, AdminAuthentication authentication, ClientService clients, CancellationToken cancellationToken)
    {
        var admin = await AuthenticateAsync(context, authentication, cancellationToken);
        if (admin.Failure is not null) return admin.Failure;

        var list = await clients.ListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ClientResponse>>(list.Select(c => ClientResponse.From(c)).ToList());
    }

    public static async Task<Results<Ok<ClientResponse>, BadRequest<DirectoryErrors>, AdminAuthFailure>> CreateAsync(
        HttpContext context, AdminAuthentication authentication, ClientService clients, CancellationToken cancellationToken)
    {
        var admin = await AuthenticateAsync(context, authentication, cancellationToken);
        if (admin.Failure is not null) return admin.Failure;
        var request = await ReadJsonAsync<CreateClientRequest>(context.Request, cancellationToken);
        if (request is null) return TypedResults.BadRequest(BodyNotJson);

        var outcome = await clients.CreateAsync(request, admin.ActorFor(context), cancellationToken);
        if (outcome.Status == DirectoryStatus.Invalid) return TypedResults.BadRequest(outcome.Errors);
        // spec §7: the secret is shown this once
        return TypedResults.Ok(ClientResponse.From(outcome.Value!.Client, outcome.Value.Secret));
    }

    public static async Task<Results<Ok<ClientResponse>, NotFound<DirectoryErrors>, AdminAuthFailure>> GetAsync(
        string id, HttpContext context, AdminAuthentication authentication, ClientService clients, CancellationToken cancellationToken)
    {
        var admin = await AuthenticateAsync(context, authentication, cancellationToken);
        if (admin.Failure is not null) return admin.Failure;

        var client = Guid.TryParse(id, out var pk) ? await clients.GetAsync(pk, cancellationToken) : null;
        return client is null ? TypedResults.NotFound(ClientNotFound) : TypedResults.Ok(ClientResponse.From(client));
    }

    public static async Task<Results<NoContent, BadRequest<DirectoryErrors>, NotFound<DirectoryErrors>, AdminAuthFailure>> UpdateAsync(
        string id, HttpContext context, AdminAuthentication authentication, ClientService clients, CancellationToken cancellationToken)
    {
        var admin = await AuthenticateAsync(context, authentication, cancellationToken);
        if (admin.Failure is not null) return admin.Failure;
        if (!Guid.TryParse(id, out var pk)) return TypedResults.NotFound(ClientNotFound);
        var request = await ReadJsonAsync<UpdateClientRequest>(context.Request, cancellationToken);
        if (request is null) return TypedResults.BadRequest(BodyNotJson);

        var outcome = await clients.UpdateAsync(pk, request, admin.ActorFor(context), cancellationToken);
        return outcome.Status switch
        {
            DirectoryStatus.NotFound => TypedResults.NotFound(ClientNotFound),
            DirectoryStatus.Invalid => TypedResults.BadRequest(outcome.Errors),
            _ => TypedResults.NoContent(),
        };
    }

    public static async Task<Results<Ok<ClientResponse>, NotFound<DirectoryErrors>, AdminAuthFailure>> DeleteAsync(
        string id, HttpContext context, AdminAuthentication authentication, ClientService clients, CancellationToken cancellationToken)
    {
        var admin = await AuthenticateAsync(context, authentication, cancellationToken);
        if (admin.Failure is not null) return admin.Failure;

        // spec §7: all its codes and tokens die with it
        var deleted = Guid.TryParse(id, out var pk) ? await clients.DeleteAsync(pk, admin.ActorFor(context), cancellationToken) : null;
        return deleted is null ? TypedResults.NotFound(ClientNotFound) : TypedResults.Ok(ClientResponse.From(deleted));
    }

    public static async Task<Results<Ok<ClientResponse>, BadRequest<DirectoryErrors>, NotFound<DirectoryErrors>, AdminAuthFailure>> ResetSecretAsync(
        string clientId, HttpContext context, AdminAuthentication authentication, ClientService clients, CancellationToken cancellationToken)
    {
        var admin = await AuthenticateAsync(context, authentication, cancellationToken);
        if (admin.Failure is not null) return admin.Failure;

        var outcome = await clients.ResetSecretAsync(clientId, admin.ActorFor(context), cancellationToken);
        return outcome.Status switch
        {
            DirectoryStatus.NotFound => TypedResults.NotFound(ClientNotFound),
            DirectoryStatus.Invalid => TypedResults.BadRequest(outcome.Errors),
            // spec §7: the new secret, shown this once; existing tokens stay valid
            _ => TypedResults.Ok(ClientResponse.From(outcome.Value!.Client, outcome.Value.Secret)),
        };
    }

    /// <summary>Authenticates, and marks every answer of this API as not to be stored (create and reset carry secrets).</summary>
    private static Task<AdminAuthenticationResult> AuthenticateAsync(HttpContext context, AdminAuthentication authentication, CancellationToken cancellationToken)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        return authentication.AuthenticateAsync(context, cancellationToken);
    }

    /// <summary>The body as <typeparamref name="T"/> (camelCase JSON), or null when it is not such JSON. Never throws for bad input.</summary>
    private static async Task<T?> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, JsonSerializerOptions.Web, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
