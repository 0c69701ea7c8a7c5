import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { AppLayout, FullPageLoading, RequireAuth, RequireRole } from './components/Layout.tsx';
import { ErrorNotice, Loading } from './components/ui.tsx';
import { ADMIN_ROLES, POINTS_REWARD_ROLES, POINTS_RULE_ROLES, SessionProvider, STAFF_ROLES, useSession } from './session.tsx';
import { AdminAuditPage } from './pages/AdminAudit.tsx';
import { AdminUsersPage } from './pages/AdminUsers.tsx';
import { ChildHome } from './pages/ChildHome.tsx';
import { FamilyPage } from './pages/Family.tsx';
import { HomePage } from './pages/Home.tsx';
import { NotFoundPage } from './pages/NotFound.tsx';
import { RegisterPage } from './pages/Register.tsx';
import { SignInPage } from './pages/SignIn.tsx';
import { TokensPage } from './pages/Tokens.tsx';

// MapLibre is large: load it only when the map is opened.
const MapPage = lazy(() => import('./pages/MapPage.tsx'));
// Points bank (its words register with i18next when messages.ts loads).
import './pages/points/messages.ts';
const FamilyPointsPage = lazy(() => import('./pages/points/FamilyPoints.tsx'));
const PointsHandbookPage = lazy(() => import('./pages/points/Handbook.tsx'));
const StaffPointsPage = lazy(() => import('./pages/points/StaffPoints.tsx'));
const ChildRatingsPage = lazy(() => import('./pages/points/ChildRatings.tsx'));
const PointsRulesPage = lazy(() => import('./pages/points/RulesAdmin.tsx'));
const PointsRewardsPage = lazy(() => import('./pages/points/RewardsAdmin.tsx'));
// The coverage page brings MapLibre and ECharts: loaded on demand too.
const CoveragePage = lazy(() => import('./pages/CoveragePage.tsx'));
// Study map, routes, route sheet, editor and group visits (MapLibre too): on demand.
const StudyMapPage = lazy(() => import('./pages/study/StudyMapPage.tsx'));
const StudyRoutesPage = lazy(() => import('./pages/study/RoutesPage.tsx'));
const StudyRouteDetailPage = lazy(() => import('./pages/study/RouteDetailPage.tsx'));
const StudyRoutePrintPage = lazy(() => import('./pages/study/RoutePrintPage.tsx'));
const StudyRouteEditorPage = lazy(() => import('./pages/study/RouteEditorPage.tsx'));
const StudyVisitsPage = lazy(() => import('./pages/study/VisitsPage.tsx'));
// Parent-school classes: one lazily loaded module with its own sub-routes.
const ClassesRoutes = lazy(() => import('./pages/classes/ClassesRoutes.tsx'));
// Directory import/export for district staff and community admins.
const DirectoryImportPage = lazy(() => import('./pages/directory/DirectoryImportPage.tsx'));
// Directory search for families (the map picker inside it loads MapLibre on demand).
const SearchPage = lazy(() => import('./pages/directory/SearchPage.tsx'));

/** In child mode the app is one child-safe screen; every other address leads back to it. */
function ChildModeRoutes() {
  const location = useLocation();
  if (location.pathname === '/points/rate')
    return (
      <Suspense fallback={<Loading />}>
        <ChildRatingsPage />
      </Suspense>
    );
  if (location.pathname !== '/') return <Navigate to="/" replace />;
  return <ChildHome />;
}

function AppRoutes() {
  const { state, session, refresh } = useSession();
  if (state.status === 'loading') return <FullPageLoading />;
  if (state.status === 'error')
    return (
      <div className="full-page-center">
        <ErrorNotice error={state.error} onRetry={() => void refresh()} />
      </div>
    );
  if (session?.child) return <ChildModeRoutes />;

  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route
        path="/study/routes/:id/print"
        element={
          <RequireAuth>
            <Suspense fallback={<FullPageLoading />}>
              <StudyRoutePrintPage />
            </Suspense>
          </RequireAuth>
        }
      />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<HomePage />} />
        <Route
          path="search"
          element={
            <Suspense fallback={<Loading />}>
              <SearchPage />
            </Suspense>
          }
        />
        <Route
          path="map"
          element={
            <Suspense fallback={<Loading />}>
              <MapPage />
            </Suspense>
          }
        />
        <Route
          path="coverage"
          element={
            <RequireRole roles={STAFF_ROLES}>
              <Suspense fallback={<Loading />}>
                <CoveragePage />
              </Suspense>
            </RequireRole>
          }
        />
        <Route
          path="study"
          element={
            <Suspense fallback={<Loading />}>
              <StudyMapPage />
            </Suspense>
          }
        />
        <Route
          path="study/routes"
          element={
            <Suspense fallback={<Loading />}>
              <StudyRoutesPage />
            </Suspense>
          }
        />
        <Route
          path="study/routes/new"
          element={
            <RequireRole roles={['district_admin', 'centre_staff', 'school_admin', 'teacher', 'community_admin']}>
              <Suspense fallback={<Loading />}>
                <StudyRouteEditorPage />
              </Suspense>
            </RequireRole>
          }
        />
        <Route
          path="study/routes/:id"
          element={
            <Suspense fallback={<Loading />}>
              <StudyRouteDetailPage />
            </Suspense>
          }
        />
        <Route
          path="study/routes/:id/edit"
          element={
            <RequireRole roles={['district_admin', 'centre_staff', 'school_admin', 'teacher', 'community_admin']}>
              <Suspense fallback={<Loading />}>
                <StudyRouteEditorPage />
              </Suspense>
            </RequireRole>
          }
        />
        <Route
          path="study/visits"
          element={
            <RequireRole roles={['district_admin', 'centre_staff', 'school_admin', 'teacher', 'venue_manager', 'community_admin']}>
              <Suspense fallback={<Loading />}>
                <StudyVisitsPage />
              </Suspense>
            </RequireRole>
          }
        />
        <Route
          path="classes/*"
          element={
            <Suspense fallback={<Loading />}>
              <ClassesRoutes />
            </Suspense>
          }
        />
        <Route path="family/:id" element={<FamilyPage />} />
        <Route
          path="admin/users"
          element={
            <RequireRole roles={ADMIN_ROLES}>
              <AdminUsersPage />
            </RequireRole>
          }
        />
        <Route
          path="admin/audit"
          element={
            <RequireRole roles={['district_admin']}>
              <AdminAuditPage />
            </RequireRole>
          }
        />
        <Route
          path="directory/import"
          element={
            <RequireRole roles={['district_admin', 'centre_staff', 'community_admin']}>
              <Suspense fallback={<Loading />}>
                <DirectoryImportPage />
              </Suspense>
            </RequireRole>
          }
        />
        <Route
          path="me/tokens"
          element={
            <RequireRole roles={STAFF_ROLES}>
              <TokensPage />
            </RequireRole>
          }
        />
        <Route path="points" element={<Suspense fallback={<Loading />}><FamilyPointsPage /></Suspense>} />
        <Route path="points/family/:id" element={<Suspense fallback={<Loading />}><FamilyPointsPage /></Suspense>} />
        <Route path="points/family/:id/handbook" element={<Suspense fallback={<Loading />}><PointsHandbookPage /></Suspense>} />
        <Route path="points/staff" element={<Suspense fallback={<Loading />}><RequireRole roles={STAFF_ROLES}><StaffPointsPage /></RequireRole></Suspense>} />
        <Route path="points/rules" element={<Suspense fallback={<Loading />}><RequireRole roles={POINTS_RULE_ROLES}><PointsRulesPage /></RequireRole></Suspense>} />
        <Route path="points/rewards" element={<Suspense fallback={<Loading />}><RequireRole roles={POINTS_REWARD_ROLES}><PointsRewardsPage /></RequireRole></Suspense>} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <AppRoutes />
      </SessionProvider>
    </BrowserRouter>
  );
}
