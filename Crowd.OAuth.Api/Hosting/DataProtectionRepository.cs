using System.Xml.Linq;
using Crowd.OAuth.Data.Stores;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>The Data Protection key ring in PostgreSQL, so every node reads every node's cookies and anti-forgery tokens.</summary>
public sealed class PostgresXmlRepository(DataProtectionKeyStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => store.GetAll().Select(XElement.Parse).ToList();

    // Spec §9: Data Protection keys live in the database, so any node reads any node's cookies and anti-forgery tokens
    public void StoreElement(XElement element, string friendlyName) => store.Store(friendlyName, element.ToString(SaveOptions.DisableFormatting));
}
