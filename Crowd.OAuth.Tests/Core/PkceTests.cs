using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Core;

public sealed class PkceTests
{
    [Test]
    [Requirement("RFC7636-4.2-s256")]
    public void S256Challenge_Rfc7636AppendixBVector_MatchesTheRfc()
    {
        Assert.That(Pkce.S256Challenge(OAuthTestClient.Verifier), Is.EqualTo(OAuthTestClient.Challenge));
        Assert.That(Pkce.Matches(OAuthTestClient.Verifier, OAuthTestClient.Challenge, CodeChallengeMethods.S256), Is.True);
    }

    [Test]
    public void Matches_OneCharacterChanged_IsFalse()
    {
        var wrong = OAuthTestClient.Verifier[..^1] + "Y";
        Assert.That(Pkce.Matches(wrong, OAuthTestClient.Challenge, CodeChallengeMethods.S256), Is.False);
    }

    [TestCase("S256", ExpectedResult = "S256")]
    [TestCase("s256", ExpectedResult = "S256")]
    [TestCase("plain", ExpectedResult = "plain")]
    [TestCase(null, ExpectedResult = "plain")]
    [TestCase("PLAIN", ExpectedResult = null)]
    [TestCase("S512", ExpectedResult = null)]
    public string? NormalizeMethod_Value_GivesStoredMethod(string? method) => Pkce.NormalizeMethod(method);

    [TestCase("a", false)]
    [TestCase("0123456789012345678901234567890123456789012", true)]
    [TestCase("012345678901234567890123456789012345678901", false)]
    [TestCase("01234567890123456789012345678901234567890+2", false)]
    [TestCase("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-._~0123456789", true)]
    public void IsWellFormed_Value_FollowsTheUnreservedSet(string value, bool expected) =>
        Assert.That(Pkce.IsWellFormed(value), Is.EqualTo(expected));

    [Test]
    public void IsWellFormed_129Characters_IsFalse() => Assert.That(Pkce.IsWellFormed(new string('a', 129)), Is.False);
}
