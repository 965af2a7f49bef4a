using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;

namespace Mtl.Analysis.Tests.AutoTrain;

[TestClass]
public sealed class CSharpTextTests
{
    [TestMethod]
    [DataRow("species", "Species")]
    [DataRow("body_mass_g", "Body_mass_g")]
    [DataRow("2nd reading", "_2nd_reading")]
    [DataRow("class", "Class")]
    [DataRow("is-ok?", "Is_ok_")]
    [DataRow("größe", "Größe")]
    [DataRow("#", "Column")]
    [DataRow(" padded ", "Padded")]
    public void Identifier_IsAValidNonKeywordName(string column, string expected) => Assert.AreEqual(expected, CSharpText.Identifier(column));

    [TestMethod]
    public void Unique_AddsTheFirstFreeSuffix()
    {
        var taken = new HashSet<string> { "X_y" };
        Assert.AreEqual("X_y2", CSharpText.Unique("X_y", taken));
        Assert.AreEqual("X_y3", CSharpText.Unique("X_y", taken));
        Assert.AreEqual("Z", CSharpText.Unique("Z", taken));
    }

    [TestMethod]
    public void StringLiterals_EscapeWhatARegularLiteralCannotHold()
    {
        Assert.AreEqual("\"a \\\"b\\\" c\\\\d\"", CSharpText.Literal("a \"b\" c\\d"));
        Assert.AreEqual("\"x\\ny\\tz\\u0001\"", CSharpText.Literal("x\ny\tz\u0001"));
        Assert.AreEqual("\"😀\"", CSharpText.Literal("😀"));
        Assert.AreEqual("\"\\ud800\"", CSharpText.Literal("\ud800"));
        Assert.AreEqual("'\\t'", CSharpText.Literal('\t'));
        Assert.AreEqual("','", CSharpText.Literal(','));
    }

    [TestMethod]
    public void SettingLiterals_AreCSharpOfTheirType()
    {
        var usings = new HashSet<string>();
        Assert.AreEqual("1.0", CSharpText.Literal(1.0, usings));
        Assert.AreEqual("1E-08", CSharpText.Literal(1e-8, usings));
        Assert.AreEqual("0.005", CSharpText.Literal(0.005, usings));
        Assert.AreEqual("double.NaN", CSharpText.Literal(double.NaN, usings));
        Assert.AreEqual("12", CSharpText.Literal(12, usings));
        Assert.AreEqual("true", CSharpText.Literal(true, usings));
        Assert.AreEqual("null", CSharpText.Literal(null, usings));
        Assert.AreEqual("OptimizerKind.AdamW", CSharpText.Literal(OptimizerKind.AdamW, usings));
        CollectionAssert.Contains(usings.ToArray(), typeof(OptimizerKind).Namespace);
        Assert.ThrowsExactly<NotSupportedException>(() => CSharpText.Literal(new Uri("http://x"), usings));
    }
}
