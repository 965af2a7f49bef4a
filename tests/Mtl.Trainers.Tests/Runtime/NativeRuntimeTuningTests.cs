using System.Runtime.InteropServices;
using Mtl.Trainers.Runtime;

namespace Mtl.Trainers.Tests.Runtime;

[TestClass]
public sealed class NativeRuntimeTuningTests
{
    [DllImport("libc.so.6", EntryPoint = "getenv")]
    private static extern IntPtr NativeGetenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    private static NativeTuningPlan PlanFor(params (string Name, string Value)[] set) =>
        NativeRuntimeTuning.Plan(name => set.FirstOrDefault(v => v.Name == name).Value);

    [TestMethod]
    public void BothSettingsApplyByDefault() => Assert.AreEqual(new NativeTuningPlan(true, true), PlanFor());

    [TestMethod]
    public void UserOpenMpSettingsWinAndEachTuningCanBeTurnedOff()
    {
        Assert.IsFalse(PlanFor(("GOMP_SPINCOUNT", "infinite")).OpenMpSpin);
        Assert.IsFalse(PlanFor(("OMP_WAIT_POLICY", "PASSIVE")).OpenMpSpin);
        Assert.IsFalse(PlanFor(("MTL_OMP_TUNING", "0")).OpenMpSpin);
        Assert.IsTrue(PlanFor(("MTL_OMP_TUNING", "0")).Malloc);
        Assert.AreEqual(new NativeTuningPlan(true, false), PlanFor(("MTL_MALLOC_TUNING", "0")));
    }

    [TestMethod]
    public void ApplyingIsAnExplicitCallThatSetsTheNativeEnvironmentOnce()
    {
        // The test process has loaded and used the trainer assembly (other tests train networks) without calling Apply:
        // loading the library changed nothing (no module initializer).
        if (NativeRuntimeTuning.Applied is null)
        {
            IntPtr before = NativeGetenv("GOMP_SPINCOUNT");
            Assert.AreEqual(Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"), before == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(before),
                "the library alone does not set GOMP_SPINCOUNT");
        }
        NativeTuningPlan expected = NativeRuntimeTuning.Plan(Environment.GetEnvironmentVariable);
        NativeTuningPlan applied = NativeRuntimeTuning.Apply();
        Assert.AreEqual(expected, applied);
        Assert.AreSame(applied, NativeRuntimeTuning.Apply(), "a second call returns the first result");
        IntPtr value = NativeGetenv("GOMP_SPINCOUNT");
        if (expected.OpenMpSpin)
            Assert.AreEqual(NativeRuntimeTuning.OpenMpSpinCount, Marshal.PtrToStringUTF8(value));
        else
            Assert.AreEqual(Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"), value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value));
    }
}
