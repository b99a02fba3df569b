"""`woundsim export --to vtk|zarr` read back by real readers (VTK's XML
readers, xarray + zarr) and compared with the run's .npy snapshots."""

import json
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from conftest import REPO

KINDS = {"msc": 0, "macrophage": 1, "tip": 2, "neutrophil": 3, "fibroblast": 4}
STATES = {"live": 0, "senescent": 1, "dead": 2, "carrier": 3, "m1": 4, "m2": 5, "tip": 6,
          "apoptotic": 7, "fibroblast": 8, "myofibroblast": 9}


def export(cli, run_dir, to, out, *extra, check=True):
    return subprocess.run([str(cli), "export", str(run_dir), "--to", to, "--out", str(out), *extra],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          check=check)


def snapshots(run_dir):
    idx = json.loads((run_dir / "snapshots" / "index.json").read_text())
    return idx, idx["snapshots"]


def test_vtk_export_reads_back_equal_to_the_snapshots(cli, small_run_dir, tmp_path):
    vtk = pytest.importorskip("vtk")
    from vtk.util.numpy_support import vtk_to_numpy

    out = tmp_path / "vtk-out"
    export(cli, small_run_dir, "vtk", out)
    idx, snaps = snapshots(small_run_dir)
    sdir = small_run_dir / "snapshots"
    for pvd_name, kind in (("fields.pvd", "vti"), ("agents.pvd", "vtp")):
        sets = ET.parse(out / pvd_name).getroot().find("Collection").findall("DataSet")
        assert [float(d.get("timestep")) for d in sets] == [s["day"] for s in snaps]
        assert all(d.get("file").endswith("." + kind) for d in sets)
    images = ET.parse(out / "fields.pvd").getroot().find("Collection").findall("DataSet")
    points = ET.parse(out / "agents.pvd").getroot().find("Collection").findall("DataSet")
    for snap, img, pts in zip(snaps, images, points):
        r = vtk.vtkXMLImageDataReader()
        r.SetFileName(str(out / img.get("file")))
        r.Update()
        data = r.GetOutput()
        assert data.GetNumberOfCells() == idx["nx"] * idx["ny"]
        assert data.GetSpacing()[:2] == (idx["dx_um"], idx["dx_um"])
        assert vtk_to_numpy(data.GetFieldData().GetArray("TimeValue"))[0] == snap["day"]
        cells = data.GetCellData()
        names = {cells.GetArrayName(i) for i in range(cells.GetNumberOfArrays())}
        assert "oxygen [mmHg]" in names and "vegf [ng/mL]" in names
        for name, f in snap["fields"].items():
            a = vtk_to_numpy(cells.GetArray(f"{name} [{snap['units'][name]}]"))
            np.testing.assert_array_equal(a.reshape(idx["ny"], idx["nx"]), np.load(sdir / f))
        for arr, f in (("wound [1 = open]", snap["wound"]), ("vessels [code]", snap["vessels"])):
            a = vtk_to_numpy(cells.GetArray(arr)).reshape(idx["ny"], idx["nx"])
            np.testing.assert_array_equal(a, np.load(sdir / f))
        p = vtk.vtkXMLPolyDataReader()
        p.SetFileName(str(out / pts.get("file")))
        p.Update()
        poly = p.GetOutput()
        csv = pd.read_csv(sdir / snap["agents"])
        assert poly.GetNumberOfPoints() == len(csv) == poly.GetNumberOfVerts()
        if len(csv):
            pd_ = poly.GetPointData()
            np.testing.assert_array_equal(vtk_to_numpy(pd_.GetArray("kind")), csv["kind"].map(KINDS))
            np.testing.assert_array_equal(vtk_to_numpy(pd_.GetArray("state")), csv["state"].map(STATES))
            np.testing.assert_array_equal(vtk_to_numpy(pd_.GetArray("id")), csv["id"])
            xyz = vtk_to_numpy(poly.GetPoints().GetData())
            np.testing.assert_allclose(xyz[:, 0], csv["x_um"], rtol=1e-6)
            np.testing.assert_allclose(xyz[:, 1], csv["y_um"], rtol=1e-6)
            assert np.all(xyz[:, 2] == 0)
    # A second export into the same directory needs --force.
    again = export(cli, small_run_dir, "vtk", out, check=False)
    assert again.returncode != 0 and "--force" in again.stderr
    export(cli, small_run_dir, "vtk", out, "--force")


def test_zarr_export_is_one_labelled_dataset(cli, small_run_dir, tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("zarr")
    out = tmp_path / "fields.zarr"
    export(cli, small_run_dir, "zarr", out)
    ds = xr.open_zarr(out)
    idx, snaps = snapshots(small_run_dir)
    sdir = small_run_dir / "snapshots"
    assert ds["oxygen"].dims == ("time", "y", "x")
    assert list(ds["time"].values) == [s["day"] for s in snaps]
    assert ds["time"].attrs["units"] == "d"
    assert ds["x"].attrs["units"] == "um"
    np.testing.assert_allclose(ds["x"].values, (np.arange(idx["nx"]) + 0.5) * idx["dx_um"])
    assert ds["oxygen"].attrs["units"] == "mmHg"
    assert ds["vegf"].attrs["units"] == "ng mL-1" and ds["vegf"].attrs["woundsim_units"] == "ng/mL"
    assert ds["vessels"].attrs["flag_meanings"] == "none sprout perfused abnormal mature"
    assert ds["vessels"].dtype == np.uint8 and ds["wound"].dtype == np.uint8
    assert ds.attrs["Conventions"].startswith("CF")
    for t, snap in enumerate(snaps):
        for name, f in snap["fields"].items():
            np.testing.assert_array_equal(ds[name].isel(time=t).values, np.load(sdir / f))
        np.testing.assert_array_equal(ds["wound"].isel(time=t).values, np.load(sdir / snap["wound"]))
        np.testing.assert_array_equal(ds["vessels"].isel(time=t).values, np.load(sdir / snap["vessels"]))


def test_3d_vtk_export_keeps_the_layers_the_maps_and_the_heights(cli, small_3d_run_dir, tmp_path):
    vtk = pytest.importorskip("vtk")
    from vtk.util.numpy_support import vtk_to_numpy

    out = tmp_path / "vtk3d"
    export(cli, small_3d_run_dir, "vtk", out)
    idx, snaps = snapshots(small_3d_run_dir)
    nz, ny, nx = idx["nz"], idx["ny"], idx["nx"]
    assert nz > 1
    sdir = small_3d_run_dir / "snapshots"
    kinds = ["dermis", "bed", "carrier", "cavity", "dressing"]
    images = ET.parse(out / "fields.pvd").getroot().find("Collection").findall("DataSet")
    maps = ET.parse(out / "maps.pvd").getroot().find("Collection").findall("DataSet")
    points = ET.parse(out / "agents.pvd").getroot().find("Collection").findall("DataSet")
    assert len(images) == len(maps) == len(points) == len(snaps)
    for snap, img, mp, pts in zip(snaps, images, maps, points):
        r = vtk.vtkXMLImageDataReader()
        r.SetFileName(str(out / img.get("file")))
        r.Update()
        data = r.GetOutput()
        assert data.GetDimensions() == (nx + 1, ny + 1, nz + 1)
        assert data.GetSpacing() == (idx["dx_um"], idx["dx_um"], idx["dz_um"])
        cells = data.GetCellData()
        for name, f in snap["fields"].items():
            a = vtk_to_numpy(cells.GetArray(f"{name} [{snap['units'][name]}]"))
            np.testing.assert_array_equal(a.reshape(nz, ny, nx), np.load(sdir / f))
        layer = vtk_to_numpy(cells.GetArray("layer [code]")).reshape(nz, ny, nx)
        assert [kinds[c] for c in layer[:, 0, 0]] == idx["layers"]
        m = vtk.vtkXMLImageDataReader()
        m.SetFileName(str(out / mp.get("file")))
        m.Update()
        md = m.GetOutput()
        assert md.GetOrigin()[2] == idx["bed_layer"] * idx["dz_um"]
        assert md.GetDimensions() == (nx + 1, ny + 1, 2)
        for arr, f in (("wound [1 = open]", snap["wound"]), ("vessels [code]", snap["vessels"])):
            a = vtk_to_numpy(md.GetCellData().GetArray(arr)).reshape(ny, nx)
            np.testing.assert_array_equal(a, np.load(sdir / f))
        p = vtk.vtkXMLPolyDataReader()
        p.SetFileName(str(out / pts.get("file")))
        p.Update()
        csv = pd.read_csv(sdir / snap["agents"])
        xyz = vtk_to_numpy(p.GetOutput().GetPoints().GetData()) if len(csv) else np.zeros((0, 3))
        assert len(xyz) == len(csv)
        if len(csv):
            np.testing.assert_allclose(xyz[:, 2], csv["z_um"], rtol=1e-6)
            assert xyz[:, 2].max() > 0


def test_3d_zarr_export_has_a_z_axis(cli, small_3d_run_dir, tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("zarr")
    out = tmp_path / "fields3d.zarr"
    export(cli, small_3d_run_dir, "zarr", out)
    ds = xr.open_zarr(out)
    idx, snaps = snapshots(small_3d_run_dir)
    sdir = small_3d_run_dir / "snapshots"
    assert ds["oxygen"].dims == ("time", "z", "y", "x")
    assert ds["wound"].dims == ("time", "y", "x") and ds["wound"].attrs["layer"] == idx["bed_layer"]
    np.testing.assert_allclose(ds["z"].values, (np.arange(idx["nz"]) + 0.5) * idx["dz_um"])
    assert ds["z"].attrs["positive"] == "up"
    meanings = ds["layer"].attrs["flag_meanings"].split()
    assert [meanings[c] for c in ds["layer"].values] == idx["layers"]
    for t, snap in enumerate(snaps):
        for name, f in snap["fields"].items():
            np.testing.assert_array_equal(ds[name].isel(time=t).values, np.load(sdir / f))
        np.testing.assert_array_equal(ds["vessels"].isel(time=t).values, np.load(sdir / snap["vessels"]))


def test_export_refuses_a_run_without_snapshots(cli, tmp_path):
    r = export(cli, tmp_path, "zarr", tmp_path / "x.zarr", check=False)
    assert r.returncode == 2 and "no snapshots/index.json" in r.stderr
